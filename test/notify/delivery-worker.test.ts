import { createHmac } from 'node:crypto';
import { expect } from 'chai';
import { base64url, createLocalJWKSet, flattenedVerify } from 'jose';
import nock from 'nock';
import { Writable } from 'node:stream';
import { GatewayKeystore } from '../../src/keys/keystore.js';
import { createLogger } from '../../src/logger.js';
import { DeliveryWorker } from '../../src/notify/delivery-worker.js';
import { WebhookChannel } from '../../src/notify/webhook-channel.js';
import { PaymentService } from '../../src/service/payment-service.js';
import { MemoryPaymentStore } from '../../src/store/memory-store.js';
import { connectorsNamed } from '../support/payment-connectors.js';

const ENDPOINT = 'https://merchant.example';
const SECRET = 'whsec_worker_test_0123456789';

/**
 * The delivery worker against a nock-mocked merchant endpoint, on a clock the test moves: retries,
 * back-off, the dead state, redelivery, signatures and per-payment order.
 */
describe('delivery worker', () => {
  let now: Date;
  const clock = () => now;
  let store: MemoryPaymentStore;
  let service: PaymentService;
  let worker: DeliveryWorker;
  let keystore: GatewayKeystore;
  let channel: WebhookChannel;
  const logLines: string[] = [];

  beforeEach(async () => {
    nock.disableNetConnect();
    now = new Date('2026-01-10T10:00:00.000Z');
    store = new MemoryPaymentStore({ clock, outboxTargets: ['webhook:0'] });
    service = new PaymentService(store, { connectors: connectorsNamed('native'), ttlMs: 30 * 60_000, attemptReuseMs: 600_000, clock });
    keystore = await GatewayKeystore.ephemeral();
    worker = new DeliveryWorker({
      store,
      channels: [(channel = new WebhookChannel({ target: 'webhook:0', url: `${ENDPOINT}/hooks`, keys: keystore, secrets: [SECRET], timeoutMs: 200, checkoutUrl: (id) => `https://gw.example/checkout/${id}`, clock }))],
      logger: createLogger('info', new Writable({ write: (c: Buffer, _e, done) => (logLines.push(c.toString()), done()) })),
      schedule: { baseMs: 1_000, maxDelayMs: 60_000, maxAgeMs: 3_600_000, random: () => 0.5 },
      leaseMs: 30_000,
      clock,
    });
  });
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  const newPayment = (reference = `order-${Math.random().toString(36).slice(2, 8)}`) =>
    service.create({ amount: 2480, currency: 'EUR', reference, description: null, customer: null, returnUrl: null, metadata: {}, connector: 'native' });

  async function drain(rounds = 20, stepMs = 60_000): Promise<void> {
    for (let i = 0; i < rounds; i += 1) {
      await worker.runOnce();
      now = new Date(now.getTime() + stepMs);
    }
  }

  it('retries 500, then a timeout, then delivers on 200, recording each try', async () => {
    const { payment } = await newPayment();
    const [event] = await store.listEvents(payment.id);
    nock(ENDPOINT).post('/hooks').reply(500).post('/hooks').delay(1_000).reply(200).post('/hooks').reply(204);
    await worker.runOnce();
    let found = await store.outbox.getEvent(event!.id);
    expect(found!.deliveries[0]!.state).to.equal('pending');
    // Back-off: the next try is not due until its time comes.
    expect(await worker.runOnce()).to.equal(0);
    await drain(5);
    found = await store.outbox.getEvent(event!.id);
    const delivery = found!.deliveries[0]!;
    expect(delivery.state).to.equal('delivered');
    expect(delivery.attempts.map((a) => a.status ?? a.error)).to.deep.equal([500, 'timeout', 204]);
    for (const a of delivery.attempts) expect(a.durationMs).to.be.a('number');
    expect(nock.isDone()).to.equal(true);
  });

  it("after a success, the endpoint's other payments waiting out a back-off are tried at once", async () => {
    const waiting = await Promise.all([newPayment(), newPayment(), newPayment()]);
    nock(ENDPOINT).post('/hooks').times(3).reply(503);
    expect(await worker.runOnce()).to.equal(3);
    // All three back off (random 0.5: 500 ms); a new payment's first try succeeds before that.
    const { payment: fresh } = await newPayment();
    nock(ENDPOINT).post('/hooks').times(4).reply(204);
    expect(await worker.runOnce(), 'only the fresh one is due').to.equal(1);
    expect(await worker.runOnce(), 'the three waiting ones were brought forward by that success').to.equal(3);
    for (const { payment } of [...waiting, { payment: fresh }]) {
      const [event] = await store.listEvents(payment.id);
      expect((await store.outbox.getEvent(event!.id))!.deliveries[0]!.state).to.equal('delivered');
    }
    expect(nock.isDone()).to.equal(true);
  });

  it('waits with exponential back-off between tries', async () => {
    const { payment } = await newPayment();
    const [event] = await store.listEvents(payment.id);
    nock(ENDPOINT).post('/hooks').times(3).reply(503);
    const due: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      await worker.runOnce();
      const d = (await store.outbox.getEvent(event!.id))!.deliveries[0]!;
      due.push(Date.parse(d.nextAttemptAt!) - now.getTime());
      now = new Date(Date.parse(d.nextAttemptAt!));
    }
    // random fixed at 0.5: half of 1 s, 2 s, 4 s.
    expect(due).to.deep.equal([500, 1_000, 2_000]);
  });

  it('gives up after the retry window (dead), and redelivers on request', async () => {
    const { payment } = await newPayment();
    const [event] = await store.listEvents(payment.id);
    nock(ENDPOINT).post('/hooks').times(1000).reply(503);
    await drain(30, 10 * 60_000);
    let delivery = (await store.outbox.getEvent(event!.id))!.deliveries[0]!;
    expect(delivery.state).to.equal('dead');
    const tries = delivery.attempts.length;
    expect(tries).to.be.greaterThan(3);
    expect(delivery.attempts.every((a) => a.status === 503)).to.equal(true);
    expect(logLines.join('')).to.contain('delivery dead');

    nock.cleanAll();
    nock(ENDPOINT).post('/hooks').reply(200);
    expect(await store.outbox.redeliver(event!.id, now)).to.equal(true);
    await worker.runOnce();
    delivery = (await store.outbox.getEvent(event!.id))!.deliveries[0]!;
    expect(delivery.state).to.equal('delivered');
    expect(delivery.attempts).to.have.length(tries + 1);
  });

  it('signs each try: a detached JWS that verifies with the published JWKS, and the HMAC header', async () => {
    const { payment } = await newPayment();
    let captured: { body: string; headers: Record<string, string> } | undefined;
    nock(ENDPOINT)
      .post('/hooks')
      .reply(function (_uri, body) {
        captured = { body: typeof body === 'string' ? body : JSON.stringify(body), headers: this.req.headers as Record<string, string> };
        return [200, 'ok'];
      });
    await worker.runOnce();
    expect(captured).to.not.equal(undefined);
    const { body, headers } = captured!;
    const event = JSON.parse(body);
    expect(event).to.include({ type: 'payment.created' });
    expect(event.data.payment.id).to.equal(payment.id);

    const [protectedHeader, empty, signature] = headers['hpp-signature-jws']!.split('.');
    expect(empty).to.equal('');
    const verified = await flattenedVerify({ protected: protectedHeader!, payload: base64url.encode(body), signature: signature! }, createLocalJWKSet(keystore.publicJwks()), { algorithms: ['EdDSA', 'ES256', 'PS256'] });
    expect(verified.protectedHeader!.typ).to.equal('hpp-webhook+jws');

    const parts = Object.fromEntries(headers['hpp-signature']!.split(',').map((p) => p.split('=') as [string, string]));
    expect(Math.abs(Number(parts.t) - now.getTime() / 1000)).to.be.lessThan(2);
    expect(parts.v1).to.equal(createHmac('sha256', SECRET).update(`${parts.t}.${body}`).digest('hex'));
  });

  it("keeps one payment's events in order and does not make other payments wait", async () => {
    const a = (await newPayment('order-a')).payment;
    const b = (await newPayment('order-b')).payment;
    const { attempt } = await service.startAttempt(a.id, 'native');
    await service.receiveBankMessage('native', { outcome: { attemptRef: attempt!.ref, status: 'refused', amount: 2480, currency: 'EUR' } });
    await service.startAttempt(a.id, 'native');
    const seen: Array<{ payment: string; event: string; type: string; version: number }> = [];
    // Two tries of one event at the same time (a lease lost while a try runs, one entry claimed
    // twice) would be a double delivery of the worker's own: the channel counts its tries in flight.
    const inFlight = new Set<string>();
    const overlapping: string[] = [];
    const deliver = channel.deliver.bind(channel);
    channel.deliver = async (event, payment) => {
      if (inFlight.has(event.id)) overlapping.push(event.type);
      inFlight.add(event.id);
      try {
        return await deliver(event, payment);
      } finally {
        inFlight.delete(event.id);
      }
    };
    let answeredLate = false;
    nock(ENDPOINT)
      .post('/hooks')
      .times(100)
      .reply(function (_uri, body, answer) {
        const e = typeof body === 'string' ? JSON.parse(body) : body;
        const settle = (ms: number, status: number, text: string) => setTimeout(() => answer(null, [status, text]), ms);
        // Payment A's endpoint is down for its first event: B still goes through.
        if (e.data.payment.id === a.id && e.type === 'payment.created' && !seen.some((s) => s.type === 'refusedOnce')) {
          seen.push({ payment: a.id, event: e.id, type: 'refusedOnce', version: 0 });
          return settle(0, 500, 'no');
        }
        seen.push({ payment: e.data.payment.id, event: e.id, type: e.type, version: e.data.paymentVersion });
        // The endpoint takes the first payment.failed but answers after the worker's timeout (as on
        // a loaded machine): the worker cannot know it arrived, so it tries it again, by design.
        if (e.type === 'payment.failed' && !answeredLate) {
          answeredLate = true;
          return settle(400, 200, 'ok');
        }
        return settle(0, 200, 'ok');
      });
    await drain(10, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(overlapping, 'no two tries of one event at the same time').to.deep.equal([]);
    const forA = seen.filter((s) => s.payment === a.id && s.type !== 'refusedOnce');
    // At least once, in order: a copy comes again only right after itself, never after a later event.
    const once = forA.filter((s, i) => i === 0 || forA[i - 1]!.event !== s.event);
    expect(once.map((s) => s.type)).to.deep.equal(['payment.created', 'payment.pending', 'payment.failed', 'payment.pending']);
    expect(once.map((s) => s.version)).to.deep.equal([1, 2, 3, 4]);
    expect(new Set(once.map((s) => s.event)).size, 'each event in one run of copies').to.equal(4);
    // Every copy the endpoint got is a try the outbox recorded, and each try before the last failed
    // (500 or timeout): a second copy is a retry of a try the worker saw fail, never a second send.
    for (const event of new Set(seen.filter((s) => s.payment === a.id).map((s) => s.event))) {
      const delivery = (await store.outbox.getEvent(event))!.deliveries[0]!;
      const tries = delivery.attempts.map((t) => t.status ?? t.error);
      expect(seen.filter((s) => s.event === event), `copies of ${event}: ${tries.join(', ')}`).to.have.length(tries.length);
      expect(delivery.state).to.equal('delivered');
      expect(tries.slice(0, -1).every((t) => t === 'timeout' || (typeof t === 'number' && t >= 500)), tries.join(', ')).to.equal(true);
    }
    const failedTries = (await store.outbox.getEvent(forA.find((s) => s.type === 'payment.failed')!.event))!.deliveries[0]!.attempts;
    expect(failedTries[0]!.error, 'the late answer is a timeout, tried again').to.equal('timeout');
    const firstB = seen.findIndex((s) => s.payment === b.id);
    const firstA = seen.findIndex((s) => s.payment === a.id && s.type === 'payment.created');
    expect(firstB).to.be.lessThan(firstA);
    expect(await store.outbox.pendingCount()).to.equal(0);
  });

  it('does not follow a redirect: a 302 is a failed try', async () => {
    await newPayment();
    nock(ENDPOINT).post('/hooks').reply(302, '', { Location: 'https://elsewhere.example/steal' });
    const elsewhere = nock('https://elsewhere.example').post('/steal').reply(200);
    await worker.runOnce();
    expect(elsewhere.isDone()).to.equal(false);
    const page = await store.outbox.listEventsWithDeliveries({ limit: 10 });
    expect(page.items[0]!.deliveries[0]!.attempts[0]!.status).to.equal(302);
    expect(page.items[0]!.deliveries[0]!.state).to.equal('pending');
  });
});
