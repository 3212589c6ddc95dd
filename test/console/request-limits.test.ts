import { expect } from 'chai';
import { Redis } from 'ioredis';
import request from 'supertest';
import { RedisPaymentStore } from '../../src/store/redis-store.js';
import { randomPrefix, requireRedis } from '../support/redis-server.js';
import { testGateway, type TestGateway } from '../support/gateway.js';
import { addConsoleUser, csrfOf, signIn } from '../support/console.js';

const OPERATOR = 'operator@shop.example';
const OTHER = 'other@shop.example';

/** An agent whose requests come from `ip` (the gateway trusts the loopback proxy's X-Forwarded-For). */
function from(gw: TestGateway, ip: string): ReturnType<typeof request.agent> {
  return request.agent(gw.app).set('X-Forwarded-For', ip);
}

describe('console request limits', () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await testGateway({ env: { TRUST_PROXY: 'loopback', RATE_LIMIT_CONSOLE_USER: '6', RATE_LIMIT_CONSOLE_IP: '10' } });
    await addConsoleUser(gw, OPERATOR, 'operator');
    await addConsoleUser(gw, OTHER, 'operator');
  });
  afterEach(() => gw.close());

  it('answers a signed-in user over the limit 429 with a page in their language and Retry-After, on GETs and POSTs, in every session of theirs', async () => {
    const agent = from(gw, '203.0.113.1');
    expect((await signIn(agent, OPERATOR)).status).to.equal(303);
    // Up to the limit (6 a minute) every page answers.
    let page = await agent.get('/console/payments');
    for (let i = 0; i < 5; i++) {
      page = await agent.get(i % 2 ? '/console/deliveries' : '/console/payments');
      expect(page.status, `request ${i + 2}`).to.equal(200);
    }
    const limited = await agent.get('/console/payments');
    expect(limited.status).to.equal(429);
    expect(limited.type).to.equal('text/html');
    expect(limited.text).to.contain('Too many requests in a short time. Wait a minute, then reload the page.');
    expect(Number(limited.headers['retry-after'])).to.be.within(1, 60);
    expect(limited.headers['content-security-policy']).to.match(/script-src 'nonce-/);
    const french = await agent.get('/console').set('Accept-Language', 'fr');
    expect(french.status).to.equal(429);
    expect(french.text).to.contain('Trop de requêtes en peu de temps.').and.contain('lang="fr"');
    // A form too: refused before it does anything.
    const posted = await agent.post('/console/sign-out-everywhere').type('form').send({ _csrf: csrfOf(page) });
    expect(posted.status).to.equal(429);
    expect((await agent.get('/console/account')).status).to.equal(429);

    // The same user in another session from another address is over the same limit; another user is not.
    const elsewhere = from(gw, '203.0.113.2');
    expect((await signIn(elsewhere, OPERATOR)).status).to.equal(303);
    expect((await elsewhere.get('/console/payments')).status).to.equal(429);
    const colleague = from(gw, '203.0.113.3');
    expect((await signIn(colleague, OTHER)).status).to.equal(303);
    expect((await colleague.get('/console/payments')).status).to.equal(200);
  });

  it('answers one address over the limit 429, signed in or not, and leaves the other addresses alone', async () => {
    const flood = from(gw, '198.51.100.7');
    for (let i = 0; i < 10; i++) expect((await flood.get('/console/sign-in')).status, `request ${i + 1}`).to.equal(200);
    const limited = await flood.get('/console/sign-in');
    expect(limited.status).to.equal(429);
    expect(limited.text).to.contain('Too many requests in a short time.');
    expect(limited.headers['retry-after']).to.match(/^\d+$/);
    // A sign-in from it is refused without being looked at (so it is no failed sign-in either).
    expect((await flood.post('/console/sign-in').type('form').send({ email: OPERATOR, password: 'x' })).status).to.equal(429);
    const neighbour = from(gw, '198.51.100.8');
    expect((await signIn(neighbour, OPERATOR)).status).to.equal(303);
    expect((await neighbour.get('/console/payments')).status).to.equal(200);
  });

  it('shares the counters between gateway instances through Redis', async function () {
    const url = await requireRedis(this);
    const redis = new Redis(url);
    const prefix = randomPrefix();
    const env = { TRUST_PROXY: 'loopback', RATE_LIMIT_CONSOLE_IP: '3', REDIS_URL: url, REDIS_PREFIX: prefix };
    const a = await testGateway({ env, store: (outboxTargets) => new RedisPaymentStore(redis, { prefix, outboxTargets }) });
    const b = await testGateway({ env, store: (outboxTargets) => new RedisPaymentStore(redis, { prefix, outboxTargets }) });
    try {
      const page = (on: TestGateway) => request(on.app).get('/console/sign-in').set('X-Forwarded-For', '192.0.2.9');
      expect((await page(a)).status).to.equal(200);
      expect((await page(b)).status).to.equal(200);
      expect((await page(a)).status).to.equal(200);
      expect((await page(b)).status).to.equal(429);
      expect(await redis.keys(`${prefix}rl:console-pages-ip:*`)).to.have.length(1);
    } finally {
      await a.close();
      await b.close();
      await redis.quit();
    }
  });
});
