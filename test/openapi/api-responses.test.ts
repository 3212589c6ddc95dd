import { expect } from 'chai';
import nock from 'nock';
import request from 'supertest';
import { RESPONSE_FIELD } from '../../src/protocols/native.js';
import { MemoryPaymentStore } from '../../src/store/memory-store.js';
import { API_KEY, outboxDrained, testGateway, validPayment, type TestGateway } from '../support/gateway.js';
import { ScriptedOperations, withOperations } from '../support/scripted-operations.js';
import { ContractChecker, readDocument, type ObservedResponse } from './contract.js';
import { failingStore, type StoreFailure } from './failing-store.js';

const WEBHOOK = 'https://shop.example';
const UNKNOWN_PAYMENT = 'pay_AAAAAAAAAAAAAAAAAAAAAA';
const UNKNOWN_REFUND = 're_AAAAAAAAAAAAAAAAAAAAAA';
const UNKNOWN_EVENT = 'evt_AAAAAAAAAAAAAAAAAAAAAA';
/** Keys of the rate-limited gateway: one per endpoint, each allowed one request a minute. */
const LIMITED_KEYS = Array.from({ length: 16 }, (_, i) => `sk_test_limited_${String(i).padStart(2, '0')}`);

interface Call {
  key?: string | null;
  body?: object;
  /** A body sent as these exact bytes, with `type` as its Content-Type (application/json by default). */
  raw?: string;
  type?: string;
  headers?: Record<string, string>;
}

type Method = 'GET' | 'POST';

/** Express 5 routes of an app, as `METHOD /path/{}` (parameters blanked), found by walking its routers. */
function appRoutes(stack: any[], prefix = ''): string[] {
  const found: string[] = [];
  for (const layer of stack) {
    if (layer.route) {
      for (const method of Object.keys(layer.route.methods)) {
        if (method !== '_all') found.push(`${method.toUpperCase()} ${prefix}${layer.route.path}`.replace(/:[A-Za-z]+/g, '{}'));
      }
    } else if (Array.isArray(layer.handle?.stack)) {
      found.push(...appRoutes(layer.handle.stack, prefix + (layer.slash || typeof layer.rawPath !== 'string' ? '' : layer.rawPath)));
    }
  }
  return found;
}

/**
 * The real gateway (memory store, native sandbox bank with scripted operations) driven through every
 * endpoint of the merchant API and each of its documented statuses; every answer is checked against
 * docs/openapi.yaml (status, headers, body), and the document must describe exactly the app's API.
 */
describe('OpenAPI: the real API answers as docs/openapi.yaml says', () => {
  const document = readDocument();
  const checker = new ContractChecker(document);
  const webhookBodies: Array<{ body: string; headers: Record<string, string | string[] | undefined> }> = [];
  let gw: TestGateway;
  let limited: TestGateway;
  let bank: ScriptedOperations;
  let failure: StoreFailure = 'none';

  before(async () => {
    nock(WEBHOOK)
      .post('/hooks')
      .reply(function (_uri, body) {
        webhookBodies.push({ body: typeof body === 'string' ? body : JSON.stringify(body), headers: { ...this.req.headers } });
        return [204, ''];
      })
      .persist();
    bank = new ScriptedOperations();
    gw = await testGateway({
      env: { MERCHANT_WEBHOOK_URL: `${WEBHOOK}/hooks`, MERCHANT_WEBHOOK_SECRET: 'whsec_openapi_test_0123456789', BUYER_RECEIPTS: 'off', BODY_LIMIT: '2kb' },
      store: (outboxTargets) => failingStore(new MemoryPaymentStore({ outboxTargets }), () => failure),
      connectors: (keystore, fake) => [withOperations(fake.connector(keystore), bank)],
    });
    limited = await testGateway({ env: { MERCHANT_API_KEYS: LIMITED_KEYS.join(','), RATE_LIMIT_API: '1', BUYER_RECEIPTS: 'off' } });
  });
  after(async () => {
    nock.cleanAll();
    await gw?.close();
    await limited?.close();
  });

  /** One request to the API, its answer checked against the document. */
  async function call(method: Method, url: string, options: Call = {}, on: TestGateway = gw): Promise<ObservedResponse> {
    let req = method === 'GET' ? request(on.app).get(url) : request(on.app).post(url);
    const key = options.key === undefined ? API_KEY : options.key;
    if (key !== null) req = req.set('Authorization', `Bearer ${key}`);
    for (const [name, value] of Object.entries(options.headers ?? {})) req = req.set(name, value);
    if (options.raw !== undefined) req = req.set('Content-Type', options.type ?? 'application/json').send(options.raw);
    else if (options.body !== undefined) req = req.send(options.body);
    const res = await req;
    checker.check(method, url, res);
    return res;
  }

  async function expectStatus(status: number, method: Method, url: string, options: Call = {}, on: TestGateway = gw): Promise<ObservedResponse> {
    const res = await call(method, url, options, on);
    expect(res.status, `${method} ${url}: ${res.text.slice(0, 400)}`).to.equal(status);
    return res;
  }

  const created = async (overrides: Record<string, unknown> = {}) => (await expectStatus(201, 'POST', '/api/v1/payments', { body: validPayment(overrides) })).body as { id: string; amount: number };

  /** A payment the buyer took to the bank, and the bank's signed notification saying yes. */
  async function authorised(overrides: Record<string, unknown> = { capture: 'manual' }): Promise<string> {
    const payment = await created(overrides);
    const { attempt } = await gw.app.gateway.service.startAttempt(payment.id, 'native');
    const manual = overrides.capture === 'manual' ? { capture: 'manual' as const } : {};
    const txn = { ref: attempt!.ref, status: 'authorised' as const, amount: payment.amount, currency: 'EUR', bank_txn_id: `BT-${attempt!.ref}`, auth_code: 'A1B2C3', card: { brand: 'visa', last4: '4242' }, ...manual };
    const notified = await request(gw.app).post('/bank/native/notify').type('form').send({ [RESPONSE_FIELD]: await gw.bank.sign(txn) });
    expect(notified.body).to.deep.equal({ status: 'accepted' });
    return payment.id;
  }

  /** One request of each endpoint of the API, with ids that exist (or not: the answer may be a 404). */
  function everyEndpoint(ids: { payment: string; refund: string; event: string }): Array<[Method, string, object?]> {
    return [
      ['POST', '/api/v1/payments', validPayment()],
      ['GET', '/api/v1/payments'],
      ['GET', `/api/v1/payments/${ids.payment}`],
      ['POST', `/api/v1/payments/${ids.payment}/cancel`, {}],
      ['POST', `/api/v1/payments/${ids.payment}/capture`, {}],
      ['POST', `/api/v1/payments/${ids.payment}/sync`, {}],
      ['POST', `/api/v1/payments/${ids.payment}/refunds`, {}],
      ['GET', `/api/v1/payments/${ids.payment}/refunds`],
      ['GET', `/api/v1/refunds/${ids.refund}`],
      ['GET', '/api/v1/events'],
      ['GET', `/api/v1/events/${ids.event}`],
      ['POST', `/api/v1/events/${ids.event}/redeliver`, {}],
    ];
  }

  it('serves the document itself without an API key, as the JSON of docs/openapi.yaml', async () => {
    const res = await expectStatus(200, 'GET', '/api/v1/openapi.json', { key: null });
    expect(res.headers['content-type']).to.equal('application/json; charset=utf-8');
    expect(res.body).to.deep.equal(document);
    // Not counted: the limited gateway answers it past its one request a minute.
    await expectStatus(200, 'GET', '/api/v1/openapi.json', { key: LIMITED_KEYS[15]! }, limited);
    await expectStatus(200, 'GET', '/api/v1/openapi.json', { key: LIMITED_KEYS[15]! }, limited);
  });

  it('payments: create, replay, conflict, list with cursors, read, cancel, and their refusals', async () => {
    const body = validPayment();
    const first = await expectStatus(201, 'POST', '/api/v1/payments', { body, headers: { 'Idempotency-Key': 'create-1' } });
    const replay = await expectStatus(201, 'POST', '/api/v1/payments', { body, headers: { 'Idempotency-Key': 'create-1' } });
    expect(replay.headers['idempotent-replayed']).to.equal('true');
    expect(replay.body).to.deep.equal(first.body);
    await expectStatus(422, 'POST', '/api/v1/payments', { body: { ...body, amount: 1 }, headers: { 'Idempotency-Key': 'create-1' } });
    const conflict = await expectStatus(409, 'POST', '/api/v1/payments', { body: validPayment({ reference: body.reference }) });
    expect(conflict.body).to.include({ existingPaymentId: (first.body as { id: string }).id, existingStatus: 'created' });
    await expectStatus(400, 'POST', '/api/v1/payments', { body: validPayment({ amount: 24.8, currency: 'eur' }) });
    await expectStatus(400, 'POST', '/api/v1/payments', { raw: '{"amount":' });
    await expectStatus(400, 'POST', '/api/v1/payments', { body: validPayment({ description: 'card 4242 4242 4242 4242' }) });
    await expectStatus(400, 'POST', '/api/v1/payments', { body: validPayment(), headers: { 'Idempotency-Key': 'has a space' } });

    // The buyer leaves the checkout page of a payment whose merchant asked to be told: the payment shows when.
    const leaving = await created({ notifyCheckoutAbandoned: true });
    await request(gw.app).get(`/checkout/${leaving.id}/back`).expect(303);
    const left = await expectStatus(200, 'GET', `/api/v1/payments/${leaving.id}`);
    expect(left.body).to.include({ notifyCheckoutAbandoned: true, status: 'created' }).and.to.have.property('checkoutAbandonedAt');

    await created({ reference: 'listed-1' });
    const page = await expectStatus(200, 'GET', '/api/v1/payments?limit=1');
    const cursor = (page.body as { nextCursor: string }).nextCursor;
    expect(cursor).to.be.a('string');
    await expectStatus(200, `GET`, `/api/v1/payments?limit=1&cursor=${cursor}`);
    await expectStatus(200, 'GET', '/api/v1/payments?reference=listed-1&status=created');
    await expectStatus(400, 'GET', '/api/v1/payments?limit=0&status=paid');

    const one = await expectStatus(200, 'GET', `/api/v1/payments/${(first.body as { id: string }).id}`);
    expect((one.body as { events: unknown[] }).events).to.have.length(1);
    await expectStatus(404, 'GET', `/api/v1/payments/${UNKNOWN_PAYMENT}`);

    await expectStatus(200, 'POST', `/api/v1/payments/${(first.body as { id: string }).id}/cancel`, { headers: { 'Idempotency-Key': 'cancel-1' } });
    const cancelledAgain = await expectStatus(200, 'POST', `/api/v1/payments/${(first.body as { id: string }).id}/cancel`, { headers: { 'Idempotency-Key': 'cancel-1' } });
    expect(cancelledAgain.headers['idempotent-replayed']).to.equal('true');
    const other = await created();
    await expectStatus(422, 'POST', `/api/v1/payments/${other.id}/cancel`, { headers: { 'Idempotency-Key': 'cancel-1' } });
    await expectStatus(400, 'POST', `/api/v1/payments/${other.id}/cancel`, { headers: { 'Idempotency-Key': 'has a space' } });
    await expectStatus(404, 'POST', `/api/v1/payments/${UNKNOWN_PAYMENT}/cancel`);
    const paid = await authorised({});
    const illegal = await expectStatus(409, 'POST', `/api/v1/payments/${paid}/cancel`);
    expect(illegal.body).to.include({ paymentStatus: 'succeeded' });
  });

  it('money after the payment: capture, void, refunds and sync, with what the bank and the state machine refuse', async () => {
    const held = await authorised();
    await expectStatus(422, 'POST', `/api/v1/payments/${held}/capture`, { body: { amount: 999_999 } });
    await expectStatus(400, 'POST', `/api/v1/payments/${held}/capture`, { body: { amount: 1.5 } });
    await expectStatus(409, 'POST', `/api/v1/payments/${held}/refunds`, { body: { amount: 100 } });
    bank.answer('capture', { outcome: 'refused', reason: 'authorisation_expired' });
    await expectStatus(402, 'POST', `/api/v1/payments/${held}/capture`);
    bank.answer('capture', { outcome: 'succeeded', amount: 1, currency: 'EUR' });
    await expectStatus(502, 'POST', `/api/v1/payments/${held}/capture`, { body: { amount: 1000 } });
    const again = await authorised();
    bank.answer('capture', { outcome: 'unknown', reason: 'timeout' });
    const unconfirmed = await expectStatus(503, 'POST', `/api/v1/payments/${again}/capture`, { headers: { 'Idempotency-Key': 'cap-timeout' } });
    expect(unconfirmed.headers['retry-after']).to.equal('5');
    const captured = await expectStatus(200, 'POST', `/api/v1/payments/${again}/capture`, { body: { amount: 2000 }, headers: { 'Idempotency-Key': 'cap-1' } });
    expect(captured.body).to.include({ status: 'succeeded', amountCaptured: 2000 });
    const capturedAgain = await expectStatus(200, 'POST', `/api/v1/payments/${again}/capture`, { body: { amount: 2000 }, headers: { 'Idempotency-Key': 'cap-1' } });
    expect(capturedAgain.headers['idempotent-replayed']).to.equal('true');
    await expectStatus(409, 'POST', `/api/v1/payments/${again}/capture`);
    await expectStatus(404, 'POST', `/api/v1/payments/${UNKNOWN_PAYMENT}/capture`);

    const voidRefused = await authorised();
    bank.answer('void', { outcome: 'refused', reason: 'already_settled' });
    await expectStatus(402, 'POST', `/api/v1/payments/${voidRefused}/cancel`);
    const voided = await expectStatus(200, 'POST', `/api/v1/payments/${voidRefused}/cancel`);
    expect(voided.body).to.include({ status: 'cancelled', cancellationReason: 'voided' });

    const refund = await expectStatus(201, 'POST', `/api/v1/payments/${again}/refunds`, { body: { amount: 500, reason: 'one shirt returned' }, headers: { 'Idempotency-Key': 'ref-1' } });
    const refundAgain = await expectStatus(201, 'POST', `/api/v1/payments/${again}/refunds`, { body: { amount: 500, reason: 'one shirt returned' }, headers: { 'Idempotency-Key': 'ref-1' } });
    expect(refundAgain.headers['idempotent-replayed']).to.equal('true');
    await expectStatus(422, 'POST', `/api/v1/payments/${again}/refunds`, { body: { amount: 501 }, headers: { 'Idempotency-Key': 'ref-1' } });
    await expectStatus(422, 'POST', `/api/v1/payments/${again}/refunds`, { body: { amount: 1_000_000 } });
    await expectStatus(400, 'POST', `/api/v1/payments/${again}/refunds`, { body: { amount: 0, reason: '' } });
    await expectStatus(404, 'POST', `/api/v1/payments/${UNKNOWN_PAYMENT}/refunds`);
    bank.answer('refund', { outcome: 'refused', reason: 'card_closed' });
    const failed = await expectStatus(201, 'POST', `/api/v1/payments/${again}/refunds`, { body: { amount: 100 } });
    expect(failed.body).to.include({ status: 'failed', failureReason: 'card_closed' });
    bank.answer('refund', { outcome: 'unknown', reason: 'timeout' });
    const pending = await expectStatus(201, 'POST', `/api/v1/payments/${again}/refunds`, { body: { amount: 200 } });
    expect(pending.body).to.include({ status: 'pending' });

    await expectStatus(200, 'GET', `/api/v1/payments/${again}/refunds`);
    await expectStatus(404, 'GET', `/api/v1/payments/${UNKNOWN_PAYMENT}/refunds`);
    await expectStatus(200, 'GET', `/api/v1/refunds/${(refund.body as { id: string }).id}`);
    await expectStatus(404, 'GET', `/api/v1/refunds/${UNKNOWN_REFUND}`);

    const synced = await expectStatus(200, 'POST', `/api/v1/payments/${again}/sync`, { headers: { 'Idempotency-Key': 'sync-1' } });
    expect(synced.body).to.include({ amountRefunded: 700 });
    await expectStatus(422, 'POST', `/api/v1/payments/${again}/sync`, { headers: { 'Idempotency-Key': 'cap-1' } });
    await expectStatus(400, 'POST', `/api/v1/payments/${again}/sync`, { body: { why: 'no' } });
    await expectStatus(404, 'POST', `/api/v1/payments/${UNKNOWN_PAYMENT}/sync`);
    const read = await expectStatus(200, 'GET', `/api/v1/payments/${again}`);
    expect((read.body as { events: Array<{ source?: string }> }).events.some((e) => e.source === 'status_query')).to.equal(true);
  });

  it('events: list with filters and cursors, read one with its delivery attempts, redeliver', async () => {
    await outboxDrained(gw);
    const page = await expectStatus(200, 'GET', '/api/v1/events?limit=2&delivery=delivered');
    const { items, nextCursor } = page.body as { items: Array<{ id: string; paymentId: string }>; nextCursor: string };
    expect(items).to.have.length(2);
    await expectStatus(200, 'GET', `/api/v1/events?limit=2&cursor=${nextCursor}`);
    await expectStatus(200, 'GET', `/api/v1/events?type=refund.succeeded&payment=${items[0]!.paymentId}`);
    await expectStatus(400, 'GET', '/api/v1/events?type=payment.paid&delivery=lost&payment=nope');
    const one = await expectStatus(200, 'GET', `/api/v1/events/${items[0]!.id}`);
    expect((one.body as { deliveries: Array<{ attempts: unknown[] }> }).deliveries[0]!.attempts).to.have.length.greaterThan(0);
    await expectStatus(404, 'GET', `/api/v1/events/${UNKNOWN_EVENT}`);
    await expectStatus(202, 'POST', `/api/v1/events/${items[0]!.id}/redeliver`);
    await expectStatus(202, 'POST', `/api/v1/events/${items[0]!.id}/redeliver`, { body: { target: 'webhook:0' } });
    await expectStatus(400, 'POST', `/api/v1/events/${items[0]!.id}/redeliver`, { body: { target: 'fax:0' } });
    await expectStatus(404, 'POST', `/api/v1/events/${UNKNOWN_EVENT}/redeliver`);
    await outboxDrained(gw);
  });

  it('events: an audit.recorded event read by id and redelivered is no payment\'s, as the document and its webhook say', async () => {
    const payment = await created();
    await outboxDrained(gw);
    const entry = (await gw.app.gateway.audit.list({ limit: 1 })).items[0]!;
    expect(entry).to.include({ action: 'api.payment.create', paymentId: payment.id });
    const id = `evt_${entry.id.slice('aud_'.length)}`;
    const one = await expectStatus(200, 'GET', `/api/v1/events/${id}`);
    const body = one.body as Record<string, unknown> & { deliveries: Array<{ target: string; attempts: unknown[] }> };
    expect(body).to.not.have.any.keys('paymentId', 'paymentVersion');
    expect(body).to.include({ id, type: 'audit.recorded', occurredAt: entry.at });
    expect(body.audit).to.deep.equal(entry);
    expect(body.deliveries.find((d) => d.target === 'webhook:0')!.attempts).to.have.length(1);
    // The webhook that carried it says the same entry.
    const sent = webhookBodies.map(({ body: raw }) => JSON.parse(raw) as { id: string; data: { audit?: unknown } }).find((w) => w.id === id);
    expect(sent?.data.audit).to.deep.equal(entry);
    const again = await expectStatus(202, 'POST', `/api/v1/events/${id}/redeliver`, { body: { target: 'webhook:0' } });
    expect(again.body).to.not.have.property('paymentId');
    await outboxDrained(gw);
  });

  it('every endpoint: 401 without a key, 413 and 415 for bodies, 500 and 503 from the store, 429 over the rate limit', async () => {
    const payment = await authorised({});
    const refund = (await expectStatus(201, 'POST', `/api/v1/payments/${payment}/refunds`, { body: { amount: 100 } })).body as { id: string };
    await outboxDrained(gw);
    const event = ((await expectStatus(200, 'GET', '/api/v1/events?limit=1')).body as { items: Array<{ id: string }> }).items[0]!.id;
    const endpoints = everyEndpoint({ payment, refund: refund.id, event });

    for (const [method, url, body] of endpoints) {
      await expectStatus(401, method, url, { key: null, ...(body ? { body } : {}) });
      await expectStatus(401, method, url, { key: `${API_KEY}x` });
      if (method === 'POST') {
        await expectStatus(413, method, url, { raw: JSON.stringify({ description: 'x'.repeat(3000) }) });
        await expectStatus(415, method, url, { raw: 'amount=1', type: 'text/plain' });
        await expectStatus(400, method, url, { raw: '{"a":1,"a":2}' });
      }
    }
    for (const [mode, status, retryAfter] of [['unavailable', 503, '2'], ['broken', 500, undefined]] as const) {
      for (const [method, url, body] of endpoints) {
        await outboxDrained(gw);
        failure = mode;
        try {
          const res = await expectStatus(status, method, url, body ? { body } : {});
          expect(res.headers['retry-after'], url).to.equal(retryAfter);
          expect((res.body as { detail: string }).detail).to.equal('An internal error occurred.');
        } finally {
          failure = 'none';
        }
      }
    }
    const unknown = everyEndpoint({ payment: UNKNOWN_PAYMENT, refund: UNKNOWN_REFUND, event: UNKNOWN_EVENT });
    for (const [i, [method, url, body]] of unknown.entries()) {
      const key = LIMITED_KEYS[i]!;
      await call(method, url, { key, ...(body ? { body } : {}) }, limited);
      const res = await expectStatus(429, method, url, { key, ...(body ? { body } : {}) }, limited);
      expect(res.headers['retry-after']).to.match(/^\d+$/);
    }
  });

  it('each webhook the gateway sent matches the document\'s webhook payload', async () => {
    await outboxDrained(gw);
    expect(webhookBodies.length).to.be.greaterThan(10);
    const types = new Set<string>();
    for (const { body, headers } of webhookBodies) {
      const event = JSON.parse(body) as { type: string; id: string };
      checker.validate('/components/schemas/WebhookEvent', event, `the webhook ${event.type}`);
      for (const parameter of document.webhooks.paymentEvent.post.parameters as Array<{ name: string; required?: boolean }>) {
        if (parameter.required) expect(headers[parameter.name.toLowerCase()], `${parameter.name} on ${event.type}`).to.not.equal(undefined);
      }
      expect(headers['hpp-event-id']).to.equal(event.id);
      types.add(event.type);
    }
    expect([...types]).to.include.members(['payment.created', 'payment.authorized', 'payment.captured', 'payment.voided', 'refund.succeeded', 'refund.failed', 'payment.checkout_abandoned', 'audit.recorded']);
  });

  it('the document describes every endpoint of the API, and no other; every documented answer was seen above', () => {
    const inApp = [...new Set(appRoutes((gw.app as any).router.stack).filter((r) => r.split(' ')[1]!.startsWith('/api/v1/')))].sort();
    const documented: string[] = [];
    for (const [template, item] of Object.entries<Record<string, unknown>>(document.paths)) {
      for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
        if (item[method]) documented.push(`${method.toUpperCase()} /api/v1${template.replace(/\{[^}]+\}/g, '{}')}`);
      }
    }
    expect(documented.sort()).to.deep.equal(inApp);
    const unseen = checker.documentedAnswers().map((a) => a.key).filter((key) => !checker.exercised.has(key));
    expect(unseen, 'documented answers the tests above never saw').to.deep.equal([]);
  });
});
