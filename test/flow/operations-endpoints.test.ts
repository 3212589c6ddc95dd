import { expect } from 'chai';
import nock from 'nock';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import request from 'supertest';
import type { ResponseTransaction } from '../../src/protocols/native.js';
import { API_KEY, testGateway, validPayment, type TestGateway } from '../support/gateway.js';

const WEBHOOK = 'https://merchant.example';
const METRICS_TOKEN = 'metrics-token-0123456789';

/** The value of one sample of the exposition, 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const inside = line.slice(name.length).match(/^\{([^}]*)\}/)?.[1] ?? '';
    const have = inside ? inside.split(',') : [];
    if (wanted.every((w) => have.includes(w))) return Number(line.split(' ').at(-1));
  }
  return 0;
}

async function until(what: string, probe: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('operations endpoints: health, readiness, metrics, the landing page', () => {
  let gw: TestGateway;
  afterEach(async () => {
    nock.cleanAll();
    await gw.close();
  });

  describe('health and readiness', () => {
    beforeEach(async () => (gw = await testGateway()));

    it('/healthz answers 200 while the process serves', async () => {
      const res = await request(gw.app).get('/healthz');
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ status: 'ok' });
      expect(res.headers['cache-control']).to.equal('no-store');
    });

    it('/readyz answers 200 with each part checked when the store answers and keys and connectors are loaded', async () => {
      const res = await request(gw.app).get('/readyz');
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ status: 'ready', checks: { store: 'ok', keys: 'ok', connectors: 'ok' } });
    });

    it('/readyz answers 503 naming the store when it fails', async () => {
      gw.app.gateway.store.ping = () => Promise.reject(new Error('Connection is closed.'));
      const res = await request(gw.app).get('/readyz');
      expect(res.status).to.equal(503);
      expect(res.body).to.deep.equal({ status: 'unavailable', failing: ['store'], checks: { store: 'unavailable', keys: 'ok', connectors: 'ok' } });
    });

    it('are neither rate limited nor logged per request', async () => {
      const limited = await testGateway({ env: { RATE_LIMIT_BUYER: '1', RATE_LIMIT_API: '1' } });
      try {
        const logged = limited.logs.length;
        for (let i = 0; i < 5; i++) {
          expect((await request(limited.app).get('/healthz')).status).to.equal(200);
          expect((await request(limited.app).get('/readyz')).status).to.equal(200);
        }
        expect(limited.logs.slice(logged)).to.deep.equal([]);
      } finally {
        await limited.close();
      }
    });
  });

  describe('the landing page', () => {
    beforeEach(async () => (gw = await testGateway()));

    it('says in HTML that this is the payment gateway, not a buyer error', async () => {
      const res = await request(gw.app).get('/').set('Accept', 'text/html');
      expect(res.status).to.equal(200);
      expect(res.headers['content-type']).to.contain('text/html');
      expect(res.text).to.contain('Payment gateway').and.contain('http://gateway.test/api/v1').and.contain('README.md');
      expect(res.text).not.to.contain('This payment link is not valid');
      expect(res.headers['content-security-policy']).to.contain("default-src 'self'");
    });

    it('answers JSON to Accept: application/json', async () => {
      const res = await request(gw.app).get('/').set('Accept', 'application/json');
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ service: 'hpp-gateway' });
      expect(res.body.links).to.include({ api: 'http://gateway.test/api/v1', jwks: 'http://gateway.test/.well-known/jwks.json', health: 'http://gateway.test/healthz', readiness: 'http://gateway.test/readyz' });
      expect(res.headers.vary).to.contain('Accept');
    });
  });

  describe('metrics', () => {
    it('are open without METRICS_TOKEN, in Prometheus text format with the process metrics', async () => {
      gw = await testGateway();
      const res = await request(gw.app).get('/metrics');
      expect(res.status).to.equal(200);
      expect(res.headers['content-type']).to.contain('text/plain');
      expect(res.text).to.contain('process_cpu_user_seconds_total').and.contain('nodejs_eventloop_lag_seconds');
      for (const name of ['hpp_payments_total', 'hpp_bank_messages_total', 'hpp_bank_operations_total', 'hpp_webhook_deliveries_total', 'hpp_store_unconfirmed_writes_total', 'hpp_outbox_pending', 'hpp_http_request_duration_seconds']) {
        expect(res.text).to.contain(`# TYPE ${name} `);
      }
    });

    it('give the live heap: the heap in use after the latest full collection, which follows what is kept alive', async () => {
      gw = await testGateway();
      // A full collection on demand, as `node --expose-gc` would give.
      setFlagsFromString('--expose-gc');
      const fullGc = runInNewContext('gc') as () => void;
      const liveAfterGc = async () => {
        fullGc();
        // The collector's entry reaches its observer on a later turn.
        await new Promise((resolve) => setTimeout(resolve, 50));
        return sample((await request(gw!.app).get('/metrics')).text, 'hpp_heap_after_major_gc_bytes', {});
      };
      const before = await liveAfterGc();
      expect(before).to.be.above(1_000_000);
      let kept: number[][] | null = Array.from({ length: 40 }, () => new Array<number>(100_000).fill(1.5));
      const holding = await liveAfterGc();
      expect(holding - before).to.be.above(25_000_000);
      expect(kept.length).to.equal(40);
      kept = null;
      const released = await liveAfterGc();
      expect(holding - released).to.be.above(25_000_000);
    });

    it('ask for the bearer token when METRICS_TOKEN is set', async () => {
      gw = await testGateway({ env: { METRICS_TOKEN } });
      const none = await request(gw.app).get('/metrics');
      expect(none.status).to.equal(401);
      expect(none.headers['www-authenticate']).to.contain('Bearer');
      expect(none.text).not.to.contain('hpp_');
      expect((await request(gw.app).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}x`)).status).to.equal(401);
      expect((await request(gw.app).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN.slice(0, -1)}`)).status).to.equal(401);
      expect((await request(gw.app).get('/metrics').set('Authorization', `Basic ${METRICS_TOKEN}`)).status).to.equal(401);
      const ok = await request(gw.app).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`);
      expect(ok.status).to.equal(200);
      expect(ok.text).to.contain('hpp_payments_total');
    });

    it('each gateway has its own registry: two in one process count apart', async () => {
      gw = await testGateway();
      const other = await testGateway();
      try {
        await request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(validPayment()).expect(201);
        const mine = (await request(gw.app).get('/metrics')).text;
        const theirs = (await request(other.app).get('/metrics')).text;
        expect(sample(mine, 'hpp_payments_total', { connector: 'native', status: 'created' })).to.equal(1);
        expect(sample(theirs, 'hpp_payments_total', { connector: 'native', status: 'created' })).to.equal(0);
      } finally {
        await other.close();
      }
    });

    it('move with a whole journey: payment statuses, bank messages, webhooks, the outbox, request durations; no label holds an id, a reference or an amount', async () => {
      const received: string[] = [];
      nock(WEBHOOK)
        .post('/hooks')
        .times(20)
        .reply(function () {
          received.push(String(this.req.headers['hpp-event-type']));
          return [204, ''];
        });
      gw = await testGateway({ env: { MERCHANT_WEBHOOK_URL: `${WEBHOOK}/hooks`, MERCHANT_WEBHOOK_SECRET: 'whsec_metrics_test_0123456789', BUYER_RECEIPTS: 'off' } });
      const payment = validPayment({ amount: 4321 });
      const created = await request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(payment).expect(201);
      const paymentId = created.body.id as string;
      const { attempt } = await gw.app.gateway.service.startAttempt(paymentId, 'native');
      const txn: ResponseTransaction = { ref: attempt!.ref, status: 'authorised', amount: 4321, currency: 'EUR', bank_txn_id: 'BT-77', auth_code: 'A1B2C3', card: { brand: 'visa', last4: '4242' } };
      const token = await gw.bank.sign(txn);
      expect((await request(gw.app).post('/bank/native/notify').type('form').send({ response: token })).status).to.equal(200);
      // The same notification again is a replay; the browser's return of another signing is a duplicate.
      expect((await request(gw.app).post('/bank/native/notify').type('form').send({ response: token })).status).to.equal(400);
      expect((await request(gw.app).post('/bank/native/return').type('form').send({ response: await gw.bank.sign(txn) })).status).to.equal(303);
      expect((await request(gw.app).post('/bank/native/notify').type('form').send({ response: 'not-a-token' })).status).to.equal(400);
      await request(gw.app).get(`/api/v1/payments/${paymentId}`).set('Authorization', `Bearer ${API_KEY}`).expect(200);

      // Three events (created, pending, succeeded) and the API's create in the audit log (audit.recorded).
      await until('the webhooks', () => received.length >= 4);
      expect([...received].sort()).to.deep.equal(['audit.recorded', 'payment.created', 'payment.pending', 'payment.succeeded']);
      const text = (await request(gw.app).get('/metrics')).text;
      expect(sample(text, 'hpp_payments_total', { connector: 'native', status: 'created' })).to.equal(1);
      expect(sample(text, 'hpp_payments_total', { connector: 'native', status: 'pending' })).to.equal(1);
      expect(sample(text, 'hpp_payments_total', { connector: 'native', status: 'succeeded' })).to.equal(1);
      expect(sample(text, 'hpp_bank_messages_total', { connector: 'native', channel: 'notify', result: 'applied' })).to.equal(1);
      expect(sample(text, 'hpp_bank_messages_total', { connector: 'native', channel: 'notify', result: 'refused_replay' })).to.equal(1);
      expect(sample(text, 'hpp_bank_messages_total', { connector: 'native', channel: 'return', result: 'duplicate' })).to.equal(1);
      expect(text).to.match(/hpp_bank_messages_total\{connector="native",channel="notify",result="refused_[a-z_]+"\} 1/);
      expect(sample(text, 'hpp_webhook_deliveries_total', { result: 'delivered' })).to.equal(4);
      expect(sample(text, 'hpp_webhook_deliveries_total', { result: 'rejected' })).to.equal(0);
      expect(sample(text, 'hpp_outbox_pending', {})).to.equal(0);
      expect(sample(text, 'hpp_http_request_duration_seconds_count', { route: '/api/v1/payments', status_class: '2xx' })).to.equal(1);
      expect(sample(text, 'hpp_http_request_duration_seconds_count', { route: '/api/v1/payments/:id', status_class: '2xx' })).to.equal(1);
      expect(sample(text, 'hpp_http_request_duration_seconds_count', { route: '/bank/:connector/notify', status_class: '4xx' })).to.equal(2);

      const hpp = text.split('\n').filter((line) => line.startsWith('hpp_'));
      for (const secret of [paymentId, payment.reference as string, attempt!.ref, 'BT-77', '4321']) {
        expect(hpp.filter((line) => line.includes(secret)), secret).to.deep.equal([]);
      }
    });

    it('count the outbox while deliveries wait', async () => {
      nock(WEBHOOK).post('/hooks').times(20).reply(503);
      gw = await testGateway({ env: { MERCHANT_WEBHOOK_URL: `${WEBHOOK}/hooks`, BUYER_RECEIPTS: 'off' } });
      await request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(validPayment()).expect(201);
      await request(gw.app).post('/api/v1/payments').set('Authorization', `Bearer ${API_KEY}`).send(validPayment()).expect(201);
      // Each create queues its payment.created and the audit entry's audit.recorded. The audit entries
      // share one queue, kept in order: the second waits behind the first, which is failing and waits
      // out a back-off (full jitter, up to 10 s), so three tries come at once, and four deliveries wait.
      await until('three tries', async () => sample((await request(gw.app).get('/metrics')).text, 'hpp_webhook_deliveries_total', { result: 'rejected' }) >= 3);
      expect(sample((await request(gw.app).get('/metrics')).text, 'hpp_outbox_pending', {})).to.equal(4);
    });
  });
});
