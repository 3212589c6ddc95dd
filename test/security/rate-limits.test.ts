import { expect } from 'chai';
import { Redis } from 'ioredis';
import request from 'supertest';
import { RedisPaymentStore } from '../../src/store/redis-store.js';
import { API_KEY, OTHER_API_KEY, testGateway, validPayment, type TestGateway } from '../support/gateway.js';
import { randomPrefix, requireRedis } from '../support/redis-server.js';

describe('rate limits', () => {
  let gw: TestGateway;
  afterEach(() => gw?.close());

  it('limits the merchant API per key with RateLimit headers and a 429 problem', async () => {
    gw = await testGateway({ env: { RATE_LIMIT_API: '3' } });
    const list = (key: string) => request(gw.app).get('/api/v1/payments').set('Authorization', `Bearer ${key}`);
    for (let i = 0; i < 3; i += 1) {
      const ok = await list(API_KEY);
      expect(ok.status).to.equal(200);
      expect(ok.headers['ratelimit-policy']).to.match(/q=3/);
    }
    const limited = await list(API_KEY);
    expect(limited.status).to.equal(429);
    expect(limited.headers['content-type']).to.contain('application/problem+json');
    expect(limited.body.type).to.match(/\/problems\/rate_limited$/);
    expect(limited.headers.ratelimit).to.match(/r=0/);
    // Another key has its own budget.
    expect((await list(OTHER_API_KEY)).status).to.equal(200);
    // A limited create changes nothing.
    const create = await request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(validPayment());
    expect(create.status).to.equal(429);
    expect((await gw.app.gateway.store.listPayments({ limit: 10 })).items).to.have.length(0);
  });

  it('limits buyer pages per IP with a friendly page, and never the bank notifications', async () => {
    gw = await testGateway({ env: { RATE_LIMIT_BUYER: '2' } });
    const p = (await request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(validPayment())).body;
    expect((await request(gw.app).get(`/checkout/${p.id}`)).status).to.equal(200);
    expect((await request(gw.app).get(`/checkout/${p.id}`)).status).to.equal(200);
    const limited = await request(gw.app).get(`/checkout/${p.id}`);
    expect(limited.status).to.equal(429);
    expect(limited.headers['content-type']).to.contain('text/html');
    for (let i = 0; i < 5; i += 1) expect((await request(gw.app).post('/bank/native/notify').type('form').send({ response: 'x' })).status).to.equal(400);
  });

  it('counts a buyer on IPv6 by the /56 it holds, and each IPv4 address on its own', async () => {
    gw = await testGateway({ env: { RATE_LIMIT_BUYER: '2', TRUST_PROXY: 'loopback' } });
    const p = (await request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(validPayment())).body;
    const page = (ip: string) => request(gw.app).get(`/checkout/${p.id}`).set('X-Forwarded-For', ip);
    // Two addresses of one /56 share its budget; the next /56 has its own.
    expect((await page('2001:db8:0:1::1')).status).to.equal(200);
    expect((await page('2001:db8:0:ff::2')).status).to.equal(200);
    expect((await page('2001:db8:0:1::3')).status).to.equal(429);
    expect((await page('2001:db8:0:100::1')).status).to.equal(200);
    // IPv4 addresses side by side are different buyers.
    expect((await page('198.51.100.7')).status).to.equal(200);
    expect((await page('198.51.100.7')).status).to.equal(200);
    expect((await page('198.51.100.7')).status).to.equal(429);
    expect((await page('198.51.100.8')).status).to.equal(200);
  });

  it('shares counters between instances through Redis', async function () {
    const url = await requireRedis(this);
    const redis = new Redis(url);
    const prefix = randomPrefix();
    const env = { RATE_LIMIT_API: '2', REDIS_URL: url, REDIS_PREFIX: prefix };
    const a = await testGateway({ env, store: (outboxTargets) => new RedisPaymentStore(redis, { prefix, outboxTargets }) });
    const b = await testGateway({ env, store: (outboxTargets) => new RedisPaymentStore(redis, { prefix, outboxTargets }) });
    try {
      const list = (app: TestGateway) => request(app.app).get('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`);
      expect((await list(a)).status).to.equal(200);
      expect((await list(b)).status).to.equal(200);
      expect((await list(a)).status).to.equal(429);
    } finally {
      await a.close();
      await b.close();
      await redis.quit();
    }
  });
});
