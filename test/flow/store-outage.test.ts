import { expect } from 'chai';
import session from 'express-session';
import { Writable } from 'node:stream';
import request from 'supertest';
import { RESPONSE_FIELD } from '../../src/protocols/native.js';
import { LyraConnector } from '../../src/connectors/lyra/lyra-connector.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { DeliveryWorker } from '../../src/notify/delivery-worker.js';
import { openRedis } from '../../src/store/redis-connection.js';
import { RedisPaymentStore } from '../../src/store/redis-store.js';
import { formFields, lyraResponse, PAYZEN_URL, SITE_ID, TEST_KEY } from '../connectors/lyra/lyra-bank.js';
import { API_KEY, servicesOf, testGateway, validPayment, type TestGateway } from '../support/gateway.js';
import { delay, freePort, waitFor } from '../support/processes.js';
import { randomPrefix, requireRedis } from '../support/redis-server.js';
import { RedisProcess } from '../support/redis-process.js';

/**
 * A gateway in this process whose Redis (a redis-server of the test's own) goes away: every answer is
 * "retry", none is a 500, and nothing is written half-way. The same story with real processes is in
 * test/process/redis-outage.test.ts.
 */

const quiet = createLogger('silent');

function expectStoreUnavailableProblem(res: request.Response): void {
  expect(res.status, res.text).to.equal(503);
  expect(res.headers['content-type']).to.contain('application/problem+json');
  expect(res.headers['retry-after']).to.match(/^[1-9][0-9]*$/);
  expect(res.body).to.include({ type: 'https://hpp-gateway.dev/problems/store_unavailable', title: 'Store unavailable', status: 503 });
}

function expectTryAgainPage(res: request.Response, text = 'try again in a moment'): void {
  expect(res.status).to.equal(503);
  expect(res.headers['content-type']).to.contain('text/html');
  expect(res.headers['retry-after']).to.match(/^[1-9][0-9]*$/);
  expect(res.text).to.contain(text);
}

/** A pino logger whose lines the test reads back. */
function capturingLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const raw: string[] = [];
  const logger = createLogger('info', new Writable({ write: (chunk: Buffer, _enc, done) => (raw.push(chunk.toString('utf8')), done()) }));
  return { logger, lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

/** A session store that reads and forgets, but cannot write: a Redis lost between two commands. */
class UnwritableSessionStore extends session.MemoryStore {
  override set(_sid: string, _session: session.SessionData, callback?: (err?: unknown) => void): void {
    callback?.(new Error('Connection is closed.'));
  }
}

describe('store outages under a gateway in this process', function () {
  this.timeout(30_000);

  let redis: RedisProcess | undefined;
  let gateways: TestGateway[] = [];

  afterEach(async () => {
    // Redis back first, so that closing the connections does not wait for it.
    if (redis && !redis.running) await redis.start();
    for (const gw of gateways) await gw.close();
    gateways = [];
    await redis?.remove();
    redis = undefined;
  });

  /** A gateway whose payments, sessions and rate-limit counters are all on the test's own Redis. */
  async function gatewayOnOwnRedis(connectors?: NonNullable<Parameters<typeof testGateway>[0]>['connectors'], storeFor?: (store: RedisPaymentStore) => void): Promise<TestGateway> {
    redis ??= await RedisProcess.create(await freePort());
    await redis.start();
    const prefix = randomPrefix();
    const url = redis.url;
    const store = (outboxTargets: string[]) => {
      const built = new RedisPaymentStore(openRedis(url, { name: 'payments', logger: quiet }), { prefix, ownsConnection: true, outboxTargets });
      storeFor?.(built);
      return built;
    };
    const gw = await testGateway({ store, env: { REDIS_URL: redis.url, REDIS_PREFIX: prefix }, ...(connectors ? { connectors } : {}) });
    gateways.push(gw);
    return gw;
  }

  const api = (gw: TestGateway) => ({
    create: () => request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(validPayment()),
    list: () => request(gw.app).get('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`),
  });

  it('/readyz answers 503 naming the store while Redis is down, /healthz stays 200, and both recover', async function () {
    await requireRedis(this);
    const gw = await gatewayOnOwnRedis();
    expect((await request(gw.app).get('/readyz')).body).to.deep.equal({ status: 'ready', checks: { store: 'ok', keys: 'ok', connectors: 'ok' } });
    await redis!.stop();
    const started = Date.now();
    const down = await request(gw.app).get('/readyz');
    expect(down.status).to.equal(503);
    expect(down.body.failing).to.deep.equal(['store']);
    expect(down.body.checks).to.deep.include({ keys: 'ok', connectors: 'ok' });
    expect(down.body.checks.store).to.be.oneOf(['unavailable', 'timeout']);
    // A probe has its own timeout: the answer comes within about a second, not after the reconnections.
    expect(Date.now() - started).to.be.lessThan(1_800);
    expect((await request(gw.app).get('/healthz')).status).to.equal(200);
    await redis!.start();
    await waitFor('ready again', async () => (await request(gw.app).get('/readyz')).status === 200, { timeoutMs: 10_000 });
  });

  it('answers the merchant API 503 problem+json with Retry-After, and creates nothing', async function () {
    await requireRedis(this);
    const gw = await gatewayOnOwnRedis();
    expect((await api(gw).create()).status).to.equal(201);
    await redis!.stop();
    expectStoreUnavailableProblem(await api(gw).create());
    expectStoreUnavailableProblem(await api(gw).list());
    await redis!.start();
    const list = await api(gw).list();
    expect(list.status).to.equal(200);
    expect(list.body.items).to.have.length(1);
  });

  it('answers buyers a friendly 503 page in English and French, and Pay starts no attempt', async function () {
    await requireRedis(this);
    const gw = await gatewayOnOwnRedis();
    const payment = (await api(gw).create()).body;
    const agent = request.agent(gw.app);
    const page = await agent.get(`/checkout/${payment.id}`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    await redis!.stop();
    expectTryAgainPage(await request(gw.app).get(`/checkout/${payment.id}`));
    expectTryAgainPage(await request(gw.app).get(`/checkout/${payment.id}`).set('Accept-Language', 'fr'), 'réessayer dans un instant');
    expectTryAgainPage(await request(gw.app).get(`/checkout/${payment.id}/result`));
    expectTryAgainPage(await agent.post(`/checkout/${payment.id}/pay`).type('form').send({ _csrf: csrf }));
    await redis!.start();
    expect((await gw.app.gateway.store.getPayment(payment.id))!.attempts).to.have.length(0);
    expect((await agent.post(`/checkout/${payment.id}/pay`).type('form').send({ _csrf: csrf })).status).to.equal(200);
  });

  it('gives a bank notification the native protocol\'s retry acknowledgement, then applies it once Redis is back', async function () {
    await requireRedis(this);
    const gw = await gatewayOnOwnRedis();
    const payment = (await api(gw).create()).body;
    const { attempt } = await gw.app.gateway.service.startAttempt(payment.id, 'native');
    const txn = { ref: attempt!.ref, status: 'authorised' as const, amount: 2480, currency: 'EUR', bank_txn_id: 'BT-1', auth_code: 'A1B2C3', card: { brand: 'visa', last4: '4242' } };
    const notify = async () => request(gw.app).post('/bank/native/notify').type('form').send({ [RESPONSE_FIELD]: await gw.bank.sign(txn) });
    await redis!.stop();
    const during = await notify();
    expect(during.status).to.equal(503);
    expect(during.body).to.deep.equal({ status: 'retry' });
    const back = await request(gw.app).post('/bank/native/return').type('form').send({ [RESPONSE_FIELD]: await gw.bank.sign(txn) });
    expectTryAgainPage(back);
    await redis!.start();
    const after = await notify();
    expect(after.status).to.equal(200);
    expect(after.body).to.deep.equal({ status: 'accepted' });
    const stored = await gw.app.gateway.store.getPayment(payment.id);
    expect(stored!.status).to.equal('succeeded');
    expect(stored!.version, 'created, pending, succeeded').to.equal(3);
  });

  it('gives a Lyra IPN Lyra\'s retry answer (503 RETRY) during the outage, never KO', async function () {
    await requireRedis(this);
    let store: RedisPaymentStore | undefined;
    const gw = await gatewayOnOwnRedis(
      () => [new LyraConnector({ siteId: SITE_ID, ctxMode: 'TEST', key: TEST_KEY, paymentUrl: PAYZEN_URL, signatureAlgorithm: 'HMAC-SHA-256', services: servicesOf(() => store) })],
      (s) => (store = s),
    );
    const payment = (await api(gw).create()).body;
    const agent = request.agent(gw.app);
    const page = await agent.get(`/checkout/${payment.id}`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const sent = formFields((await agent.post(`/checkout/${payment.id}/pay`).type('form').send({ _csrf: csrf })).text);
    const ipn = () => request(gw.app).post('/bank/lyra/notify').type('form').send(new URLSearchParams(lyraResponse(sent, { status: 'AUTHORISED' })).toString());
    await redis!.stop();
    const during = await ipn();
    expect(during.status).to.equal(503);
    expect(during.text).to.equal('RETRY');
    await redis!.start();
    const after = await ipn();
    expect(after.status).to.equal(200);
    expect(after.text).to.equal('OK');
  });

  it('fails the rate limiter closed: with its counters unreachable a request answers 503, neither 500 nor served uncounted', async function () {
    await requireRedis(this);
    redis = await RedisProcess.create(await freePort());
    // Payments in memory, counters and sessions on a Redis that is not running.
    const gw = await testGateway({ env: { REDIS_URL: redis.url } });
    gateways.push(gw);
    expectStoreUnavailableProblem(await api(gw).list());
    expectTryAgainPage(await request(gw.app).get('/checkout/pay_AAAAAAAAAAAAAAAAAAAAAA'));
    await redis.start();
    expect((await api(gw).list()).status).to.equal(200);
  });

  it('stores the checkout session before the page is sent: a session store failing then answers 503, not a page whose Pay cannot work', async () => {
    const gw = await testGateway({ sessionStore: new UnwritableSessionStore() });
    gateways.push(gw);
    const payment = (await api(gw).create()).body;
    const res = await request(gw.app).get(`/checkout/${payment.id}`);
    expectTryAgainPage(res);
    expect(res.text).to.not.contain('name="_csrf"');
  });

  it('logs a connection lost once per outage and restored once, however many reconnections failed', async function () {
    await requireRedis(this);
    redis = await RedisProcess.create(await freePort());
    await redis.start();
    const { logger, lines } = capturingLogger();
    const client = openRedis(redis.url, { name: 'payments', logger });
    const count = (msg: string) => lines().filter((l) => l.msg === msg && l.connection === 'payments').length;
    try {
      await client.ping().catch(() => undefined);
      for (let outage = 1; outage <= 2; outage += 1) {
        await redis.stop();
        // Several reconnection attempts fail meanwhile (they are at most a second apart).
        await delay(2500);
        expect(count('Redis connection lost'), `outage ${outage}: lost`).to.equal(outage);
        expect(count('Redis connection restored'), `outage ${outage}: not restored yet`).to.equal(outage - 1);
        await redis.start();
        await waitFor(`outage ${outage}: restored`, () => count('Redis connection restored') === outage, { timeoutMs: 5000 });
        expect(await client.ping()).to.equal('PONG');
      }
      expect(count('Redis connection lost')).to.equal(2);
      expect(JSON.stringify(lines())).to.not.contain(redis.url);
    } finally {
      client.disconnect();
    }
  });

  it('pauses the delivery worker with one log line for the outage and resumes it by itself', async function () {
    await requireRedis(this);
    redis = await RedisProcess.create(await freePort());
    await redis.start();
    const { logger, lines } = capturingLogger();
    const store = new RedisPaymentStore(openRedis(redis.url, { name: 'payments', logger: quiet }), { prefix: randomPrefix(), ownsConnection: true, outboxTargets: ['webhook:0'] });
    const worker = new DeliveryWorker({ store, channels: [], logger, idleMs: 50 });
    worker.start();
    try {
      await redis.stop();
      await delay(3000);
      expect(lines().filter((l) => l.msg === 'outbox round failed'), 'no line per failed round').to.have.length(0);
      expect(lines().filter((l) => l.msg === 'outbox deliveries paused: the store is unavailable')).to.have.length(1);
      await redis.start();
      await waitFor('the worker resumed', () => lines().some((l) => l.msg === 'outbox deliveries resumed: the store answers again'), { timeoutMs: 5000 });
    } finally {
      await worker.stop();
      await store.close();
    }
  });
});
