import { expect } from 'chai';
import { Redis } from 'ioredis';
import request from 'supertest';
import { RESPONSE_FIELD } from '../../src/protocols/native.js';
import { RedisPaymentStore } from '../../src/store/redis-store.js';
import { API_KEY, testGateway, validPayment, type StoreFor, type TestGateway, storeOfKind } from '../support/gateway.js';
import { randomPrefix, requireRedis } from '../support/redis-server.js';
import { CAPTURE_WINDOW_MS, ScriptedOperations, withOperations } from '../support/scripted-operations.js';

const PROBLEM = 'application/problem+json';
const auth = { Authorization: `Bearer ${API_KEY}` };

/**
 * Money after the payment through the merchant API: manual capture, partial capture, void, refunds
 * and sync, against a bank whose back office is scripted (test/support/scripted-operations.ts), on
 * each store.
 */
for (const kind of ['memory', 'redis'] as const) {
  describe(`merchant API: money after the payment (${kind} store)`, () => {
    let gw: TestGateway;
    let bank: ScriptedOperations;
    let storeFor: StoreFor | undefined;

    beforeEach(async function () {
      storeFor = await storeOfKind(kind, this);
      bank = new ScriptedOperations();
      gw = await testGateway({ ...(storeFor ? { store: storeFor } : {}), connectors: (keystore, fake) => [withOperations(fake.connector(keystore), bank)] });
    });
    afterEach(() => gw.close());

    const api = () => request(gw.app);
    const post = (path: string, body?: object, key?: string) => {
      const req = api().post(`/api/v1${path}`).set(auth);
      if (key) req.set('Idempotency-Key', key);
      return body === undefined ? req : req.send(body);
    };
    const getPayment = async (id: string) => (await api().get(`/api/v1/payments/${id}`).set(auth)).body;

    /** A payment the buyer took to the bank, and the bank's signed notification saying yes. */
    async function authorised(overrides: Record<string, unknown> = { capture: 'manual' }): Promise<string> {
      const created = await post('/payments', validPayment(overrides));
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      const { attempt } = await gw.app.gateway.service.startAttempt(created.body.id, 'native');
      // A bank that honoured a manual request says so (docs/protocol.md 4.6); one that does not has taken the money.
      const manual = overrides.capture === 'manual' ? { capture: 'manual' as const } : {};
      const txn = { ref: attempt!.ref, status: 'authorised' as const, amount: created.body.amount, currency: 'EUR', bank_txn_id: `BT-${attempt!.ref}`, auth_code: 'A1B2C3', ...manual };
      const notified = await api().post('/bank/native/notify').type('form').send({ [RESPONSE_FIELD]: await gw.bank.sign(txn) });
      expect(notified.body).to.deep.equal({ status: 'accepted' });
      return created.body.id as string;
    }

    function expectProblem(res: request.Response, status: number, code: string): void {
      expect(res.status, JSON.stringify(res.body)).to.equal(status);
      expect(res.headers['content-type']).to.contain(PROBLEM);
      expect(res.body.type).to.match(new RegExp(`/problems/${code}$`));
    }

    it('a capture and a refund the bank confirms with another amount or currency are anomalies: not applied, recorded naming the operation', async () => {
      const id = await authorised();
      bank.answer('capture', { outcome: 'succeeded', amount: 2000, currency: 'EUR', bankReference: 'cap-odd' });
      const capture = await post(`/payments/${id}/capture`, {});
      expectProblem(capture, 502, 'bank_error');
      const held = await getPayment(id);
      expect(held).to.include({ status: 'authorized', amountCaptured: 0 });
      expect(held.anomalies).to.deep.equal(['amount_mismatch']);
      const captureAnomaly = held.events.find((e: { type: string }) => e.type === 'payment.anomaly');
      expect(captureAnomaly).to.include({ anomaly: 'amount_mismatch', operation: 'capture' });

      expect((await post(`/payments/${id}/capture`, {})).status, 'the bank answers as asked this time').to.equal(200);
      bank.answer('refund', { outcome: 'succeeded', amount: 500, currency: 'USD', bankReference: 'rf-odd' });
      const refund = await post(`/payments/${id}/refunds`, { amount: 500 });
      expect(refund.status, JSON.stringify(refund.body)).to.equal(201);
      expect(refund.body.status, 'the answer is not applied: the refund waits for the bank\'s word').to.equal('pending');
      const after = await getPayment(id);
      expect(after.anomalies).to.deep.equal(['amount_mismatch', 'currency_mismatch']);
      expect(after.events.filter((e: { type: string }) => e.type === 'payment.anomaly').map((e: Record<string, unknown>) => [e.anomaly, e.operation, e.refundId ?? null])).to.deep.equal([
        ['amount_mismatch', 'capture', null],
        ['currency_mismatch', 'refund', refund.body.id],
      ]);
    });

    it('an anomaly of an operation is recorded once per operation: two refunds and two captures answered with another amount are four, the same refund asked again none', async () => {
      const id = await authorised();
      bank.answer('capture', { outcome: 'succeeded', amount: 2000, currency: 'EUR', bankReference: 'cap-odd-1' }, { outcome: 'succeeded', amount: 2100, currency: 'EUR', bankReference: 'cap-odd-2' });
      expectProblem(await post(`/payments/${id}/capture`, {}), 502, 'bank_error');
      expectProblem(await post(`/payments/${id}/capture`, {}), 502, 'bank_error');
      expect((await post(`/payments/${id}/capture`, {})).status, 'the bank answers as asked this time').to.equal(200);

      bank.answer('refund', { outcome: 'succeeded', amount: 600, currency: 'EUR', bankReference: 'rf-odd-1' }, { outcome: 'succeeded', amount: 700, currency: 'EUR', bankReference: 'rf-odd-2' });
      const first = await post(`/payments/${id}/refunds`, { amount: 500 });
      const second = await post(`/payments/${id}/refunds`, { amount: 400 });
      expect([first.body.status, second.body.status]).to.deep.equal(['pending', 'pending']);
      // The same refund asked about again, answered with the same wrong amount: already recorded.
      bank.answer('refundStatus', { outcome: 'succeeded', amount: 600, currency: 'EUR', bankReference: 'rf-odd-1' }, { outcome: 'succeeded', amount: 700, currency: 'EUR', bankReference: 'rf-odd-2' });
      expect((await post(`/payments/${id}/sync`)).status).to.equal(200);
      expect(bank.callsOf('refundStatus')).to.have.length(2);

      const after = await getPayment(id);
      expect(after.anomalies, 'the payment lists the kind once').to.deep.equal(['amount_mismatch']);
      expect(after.events.filter((e: { type: string }) => e.type === 'payment.anomaly').map((e: Record<string, unknown>) => [e.anomaly, e.operation, e.refundId ?? null])).to.deep.equal([
        ['amount_mismatch', 'capture', null],
        ['amount_mismatch', 'capture', null],
        ['amount_mismatch', 'refund', first.body.id],
        ['amount_mismatch', 'refund', second.body.id],
      ]);
    });

    it('manual payment: authorized by the notification, captured in part, refunded twice, over-refund refused, refunds listed', async () => {
      const id = await authorised();
      const held = await getPayment(id);
      expect(held).to.include({ status: 'authorized', capture: 'manual', amountCapturable: 2480, amountCaptured: 0, amountRefunded: 0 });
      expect(Date.parse(held.captureBefore) - Date.parse(held.updatedAt)).to.equal(CAPTURE_WINDOW_MS);

      const captured = await post(`/payments/${id}/capture`, { amount: 1500 });
      expect(captured.status, JSON.stringify(captured.body)).to.equal(200);
      expect(captured.body).to.include({ status: 'succeeded', amountCaptured: 1500, amountCapturable: 0 });
      expect(bank.callsOf('capture').map((c) => c.amount)).to.deep.equal([1500]);

      const first = await post(`/payments/${id}/refunds`, { amount: 500, reason: 'one shirt returned' });
      expect(first.status, JSON.stringify(first.body)).to.equal(201);
      expect(first.body).to.include({ paymentId: id, amount: 500, currency: 'EUR', status: 'succeeded', reason: 'one shirt returned', failureReason: null });
      expect(first.body.id).to.match(/^re_[A-Za-z0-9_-]{22}$/);
      expect(first.headers.location).to.equal(`/api/v1/refunds/${first.body.id}`);
      const second = await post(`/payments/${id}/refunds`, { amount: 700 });
      expect(second.status).to.equal(201);
      expect(second.body).to.include({ status: 'succeeded', reason: null });
      // The refund ids are the operation ids the bank dedupes on.
      expect(bank.callsOf('refund').map((c) => c.operationId)).to.deep.equal([first.body.id, second.body.id]);

      const before = await getPayment(id);
      const over = await post(`/payments/${id}/refunds`, { amount: 400 });
      expectProblem(over, 422, 'amount_not_refundable');
      expect(over.body).to.include({ requested: 400, refundable: 300 });
      const after = await getPayment(id);
      expect(after.version, 'nothing changed').to.equal(before.version);
      expect(after.refunds).to.have.length(2);
      expect(bank.callsOf('refund')).to.have.length(2);
      expect(after).to.include({ amountCaptured: 1500, amountRefunded: 1200 });

      const listed = await api().get(`/api/v1/payments/${id}/refunds`).set(auth);
      expect(listed.status).to.equal(200);
      expect(listed.body.items.map((r: { id: string }) => r.id)).to.deep.equal([first.body.id, second.body.id]);
      const one = await api().get(`/api/v1/refunds/${second.body.id}`).set(auth);
      expect(one.status).to.equal(200);
      expect(one.body).to.deep.equal(second.body);
      expectProblem(await api().get('/api/v1/refunds/re_AAAAAAAAAAAAAAAAAAAAAA').set(auth), 404, 'not_found');

      const types = after.events.map((e: { type: string }) => e.type);
      expect(types).to.deep.equal(['payment.created', 'payment.pending', 'payment.authorized', 'payment.captured', 'refund.created', 'refund.succeeded', 'refund.created', 'refund.succeeded']);
      const filtered = await api().get(`/api/v1/events?type=refund.succeeded&payment=${id}`).set(auth);
      expect(filtered.status, JSON.stringify(filtered.body)).to.equal(200);
      expect(filtered.body.items.map((e: { refundId: string }) => e.refundId).sort()).to.deep.equal([first.body.id, second.body.id].sort());
    });

    it('refuses a capture over the capturable amount, and one at or after captureBefore, without calling the bank', async () => {
      const id = await authorised();
      const over = await post(`/payments/${id}/capture`, { amount: 2481 });
      expectProblem(over, 422, 'amount_not_capturable');
      expect(over.body).to.include({ requested: 2481, capturable: 2480 });
      gw.clock.advance(CAPTURE_WINDOW_MS + 1000);
      const late = await post(`/payments/${id}/capture`, {});
      expectProblem(late, 409, 'capture_window_closed');
      expect(bank.callsOf('capture')).to.have.length(0);
      // Once read (or swept), the lapsed authorisation is expired.
      expect((await getPayment(id)).status).to.equal('expired');
    });

    it('the expiry sweep expires an authorisation whose captureBefore has passed, and frees its reference', async () => {
      const id = await authorised({ capture: 'manual', reference: 'order-lapse' });
      gw.clock.advance(60 * 60_000);
      expect(await gw.app.gateway.service.expireDue()).to.equal(0);
      gw.clock.advance(CAPTURE_WINDOW_MS);
      expect(await gw.app.gateway.service.expireDue()).to.equal(1);
      const stored = await gw.app.gateway.store.getPayment(id);
      expect(stored).to.include({ status: 'expired', amountCapturable: 0 });
      expect((await post('/payments', validPayment({ reference: 'order-lapse' }))).status).to.equal(201);
    });

    it('an authorized payment holds its reference: a second payment for the order is refused', async () => {
      const id = await authorised({ capture: 'manual', reference: 'order-held' });
      const again = await post('/payments', validPayment({ reference: 'order-held' }));
      expectProblem(again, 409, 'reference_conflict');
      expect(again.body.existingPaymentId).to.equal(id);
    });

    it('POST /cancel voids an authorized payment at the bank, and still cancels an unpaid one without it', async () => {
      const id = await authorised();
      const voided = await post(`/payments/${id}/cancel`);
      expect(voided.status, JSON.stringify(voided.body)).to.equal(200);
      expect(voided.body).to.include({ status: 'cancelled', cancellationReason: 'voided', amountCapturable: 0 });
      expect(bank.callsOf('void')).to.have.length(1);
      expect((await post(`/payments/${id}/cancel`)).body.status, 'a second cancel is the same answer').to.equal('cancelled');
      expect(bank.callsOf('void'), 'and calls the bank no more').to.have.length(1);

      const unpaid = await post('/payments', validPayment({ capture: 'manual' }));
      const cancelled = await post(`/payments/${unpaid.body.id}/cancel`);
      expect(cancelled.body.status).to.equal('cancelled');
      expect(cancelled.body).to.not.have.property('cancellationReason');
      expect(bank.callsOf('void')).to.have.length(1);
    });

    it('a capture or void the bank refuses is a 402 bank_refused problem, and changes nothing', async () => {
      const id = await authorised();
      bank.answer('capture', { outcome: 'refused', reason: 'authorisation_expired' });
      const capture = await post(`/payments/${id}/capture`);
      expectProblem(capture, 402, 'bank_refused');
      expect(capture.body).to.include({ operation: 'capture', connector: 'native', reason: 'authorisation_expired' });
      bank.answer('void', { outcome: 'refused', reason: 'already_settled' });
      expectProblem(await post(`/payments/${id}/cancel`), 402, 'bank_refused');
      expect((await getPayment(id)).status).to.equal('authorized');
    });

    it('a refund the bank refuses ends failed with its reason, and releases its amount', async () => {
      const id = await authorised({});
      bank.answer('refund', { outcome: 'refused', reason: 'card_closed' });
      const refused = await post(`/payments/${id}/refunds`, { amount: 1000 });
      expect(refused.status).to.equal(201);
      expect(refused.body).to.include({ status: 'failed', failureReason: 'card_closed' });
      const whole = await post(`/payments/${id}/refunds`);
      expect(whole.body).to.include({ status: 'succeeded', amount: 2480 });
    });

    it('refuses a refund of a payment nothing was captured from, without reserving or calling the bank', async () => {
      const id = await authorised();
      const res = await post(`/payments/${id}/refunds`, { amount: 100 });
      expectProblem(res, 409, 'illegal_transition');
      expect((await getPayment(id)).refunds).to.equal(undefined);
      expect(bank.callsOf('refund')).to.have.length(0);
    });

    it('an automatic payment is refunded from its whole amount, and reads as before until then', async () => {
      const id = await authorised({});
      const paid = await getPayment(id);
      expect(paid.status).to.equal('succeeded');
      for (const field of ['capture', 'captureBefore', 'amountCapturable', 'amountCaptured', 'amountRefunded', 'refunds']) expect(paid, field).to.not.have.property(field);
      expectProblem(await post(`/payments/${id}/capture`), 409, 'illegal_transition');
      expect((await post(`/payments/${id}/refunds`, { amount: 480 })).body.status).to.equal('succeeded');
      expect(await getPayment(id)).to.include({ amountCaptured: 2480, amountRefunded: 480 });
    });

    it('an idempotent retry of a capture or a refund gives the first answer with one bank call; the key with another body is 422', async () => {
      const id = await authorised();
      const first = await post(`/payments/${id}/capture`, { amount: 2000 }, 'cap-1');
      const again = await post(`/payments/${id}/capture`, { amount: 2000 }, 'cap-1');
      expect(again.status).to.equal(200);
      expect(again.headers['idempotent-replayed']).to.equal('true');
      expect(again.body).to.deep.equal(first.body);
      expect(bank.callsOf('capture')).to.have.length(1);
      expectProblem(await post(`/payments/${id}/capture`, { amount: 100 }, 'cap-1'), 422, 'idempotency_mismatch');

      const refund = await post(`/payments/${id}/refunds`, { amount: 300 }, 'ref-1');
      const retried = await post(`/payments/${id}/refunds`, { amount: 300 }, 'ref-1');
      expect(retried.status).to.equal(201);
      expect(retried.headers['idempotent-replayed']).to.equal('true');
      expect(retried.body).to.deep.equal(refund.body);
      expect(bank.callsOf('refund')).to.have.length(1);
      expectProblem(await post(`/payments/${id}/refunds`, { amount: 301 }, 'ref-1'), 422, 'idempotency_mismatch');
      // The same key on another operation is another request, even with the same body.
      expectProblem(await post(`/payments/${id}/sync`, {}, 'cap-1'), 422, 'idempotency_mismatch');
      expect((await getPayment(id)).refunds).to.have.length(1);
    });

    it('a refund whose bank answer never came stays pending, and a sync settles it with exactly one refund sent', async () => {
      const id = await authorised({});
      bank.answer('refund', { outcome: 'unknown', reason: 'timeout' });
      const sent = await post(`/payments/${id}/refunds`, { amount: 800 }, 'ref-timeout');
      expect(sent.status).to.equal(201);
      expect(sent.body.status).to.equal('pending');
      expect(await getPayment(id)).to.include({ amountRefunded: 0 });
      // The amount stays reserved while the answer is unknown.
      expectProblem(await post(`/payments/${id}/refunds`, { amount: 1700 }), 422, 'amount_not_refundable');

      // A retry under the same key asks about the refund; it does not send it again.
      bank.answer('refundStatus', { outcome: 'pending' });
      const retried = await post(`/payments/${id}/refunds`, { amount: 800 }, 'ref-timeout');
      expect(retried.body).to.include({ id: sent.body.id, status: 'pending' });

      const synced = await post(`/payments/${id}/sync`);
      expect(synced.status, JSON.stringify(synced.body)).to.equal(200);
      expect(synced.body).to.include({ amountRefunded: 800 });
      expect(synced.body.refunds[0]).to.include({ id: sent.body.id, status: 'succeeded', bankReference: `rf-${sent.body.id}` });
      expect(bank.callsOf('refund').filter((c) => c.operationId === sent.body.id)).to.have.length(1);
      expect(bank.callsOf('refundStatus').map((c) => c.operationId)).to.deep.equal([sent.body.id, sent.body.id]);
      const replay = await post(`/payments/${id}/refunds`, { amount: 800 }, 'ref-timeout');
      expect(replay.body.status, 'settled now').to.equal('succeeded');
      expect(bank.callsOf('refund')).to.have.length(1);
    });

    it('sync applies the bank\'s status answer through the state machine, as a notification would', async () => {
      const created = await post('/payments', validPayment({ capture: 'manual' }));
      const { attempt } = await gw.app.gateway.service.startAttempt(created.body.id, 'native');
      bank.answer('status', { attemptRef: attempt!.ref, status: 'authorised', amount: 2480, currency: 'EUR', bankTransactionId: 'BT-sync' });
      const synced = await post(`/payments/${created.body.id}/sync`);
      expect(synced.status, JSON.stringify(synced.body)).to.equal(200);
      expect(synced.body).to.include({ status: 'authorized', amountCapturable: 2480 });
      expect(synced.body.attempts[0]).to.include({ status: 'authorised', bankTransactionId: 'BT-sync' });
      // The same answer again is a duplicate: no second event.
      bank.answer('status', { attemptRef: attempt!.ref, status: 'authorised', amount: 2480, currency: 'EUR', bankTransactionId: 'BT-sync' });
      await post(`/payments/${created.body.id}/sync`);
      const events = (await getPayment(created.body.id)).events.map((e: { type: string }) => e.type);
      expect(events.filter((t: string) => t === 'payment.authorized')).to.have.length(1);
    });

    it('refuses strict bodies with each bad field named', async () => {
      const id = await authorised();
      const bad = await post(`/payments/${id}/capture`, { amount: 12.5, currency: 'EUR' });
      expectProblem(bad, 400, 'validation_failed');
      expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).to.deep.equal(['amount', 'currency']);
      expectProblem(await post(`/payments/${id}/refunds`, { amount: 0 }), 400, 'validation_failed');
      expectProblem(await post(`/payments/${id}/refunds`, { reason: 'x'.repeat(256) }), 400, 'validation_failed');
      expectProblem(await post(`/payments/${id}/sync`, { why: 'no' }), 400, 'validation_failed');
      const mode = await post('/payments', validPayment({ capture: 'later' }));
      expectProblem(mode, 400, 'validation_failed');
      expect(mode.body.errors).to.deep.include({ field: 'capture', message: 'capture must be automatic (the bank takes the money when it authorises) or manual (it only reserves it, until a capture)' });
    });
  });
}

describe('merchant API: operations a connector does not offer', () => {
  let gw: TestGateway;
  beforeEach(async () => {
    // The native connector of this branch has no operations at all.
    gw = await testGateway();
  });
  afterEach(() => gw.close());

  it('refuses a manual payment, a refund, a capture and a sync naming the connector and the operation', async () => {
    const manual = await request(gw.app).post('/api/v1/payments').set(auth).send(validPayment({ capture: 'manual' }));
    expect(manual.status).to.equal(422);
    expect(manual.body).to.include({ operation: 'manual capture', connector: 'native' });
    expect(manual.body.detail).to.contain('"native"');

    const created = await request(gw.app).post('/api/v1/payments').set(auth).send(validPayment());
    expect(created.body).to.not.have.property('capture');
    for (const [path, operation] of [['refunds', 'refunds'], ['capture', 'capture'], ['sync', 'status queries (sync)']] as const) {
      const res = await request(gw.app).post(`/api/v1/payments/${created.body.id}/${path}`).set(auth);
      expect(res.status, path).to.equal(422);
      expect(res.body.type).to.match(/\/problems\/operation_not_supported$/);
      expect(res.body, path).to.include({ operation, connector: 'native' });
    }
  });
});

describe('merchant API: 20 concurrent refunds on two gateways over one Redis', () => {
  const gateways: TestGateway[] = [];
  afterEach(async () => {
    for (const gw of gateways.splice(0)) await gw.close();
  });

  it('never holds more in pending and succeeded refunds than was captured', async function () {
    const url = await requireRedis(this);
    const prefix = randomPrefix();
    const bank = new ScriptedOperations();
    bank.delayMs = 5;
    for (let i = 0; i < 2; i += 1) {
      gateways.push(
        await testGateway({
          store: (outboxTargets) => new RedisPaymentStore(new Redis(url), { prefix, ownsConnection: true, outboxTargets }),
          connectors: (keystore, fake) => [withOperations(fake.connector(keystore), bank)],
        }),
      );
    }
    const [a, b] = gateways as [TestGateway, TestGateway];
    // The bank that signs the notification is gateway a's; it is the one the notification goes to.
    const created = await request(a.app).post('/api/v1/payments').set(auth).send(validPayment({ capture: 'manual' }));
    const { attempt } = await a.app.gateway.service.startAttempt(created.body.id, 'native');
    const txn = { ref: attempt!.ref, status: 'authorised' as const, amount: 2480, currency: 'EUR', bank_txn_id: 'BT-c', capture: 'manual' as const };
    await request(a.app).post('/bank/native/notify').type('form').send({ [RESPONSE_FIELD]: await a.bank.sign(txn) });
    const captured = await request(b.app).post(`/api/v1/payments/${created.body.id}/capture`).set(auth).send({ amount: 1000 });
    expect(captured.body.amountCaptured).to.equal(1000);

    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => request((i % 2 === 0 ? a : b).app).post(`/api/v1/payments/${created.body.id}/refunds`).set(auth).send({ amount: 150 })),
    );
    const codes = answers.map((res) => (res.status === 201 ? 'created' : String(res.body.type).split('/').pop()));
    for (const code of codes) expect(['created', 'amount_not_refundable', 'payment_busy']).to.include(code);
    const made = codes.filter((c) => c === 'created').length;
    expect(made, 'six refunds of 150 fit in 1000').to.be.at.most(6);
    // Each one that fits is made, unless its writer kept losing the race and gave up (payment_busy, a retry).
    expect(made).to.be.at.least(6 - codes.filter((c) => c === 'payment_busy').length);
    expect(codes.filter((c) => c === 'amount_not_refundable').length, 'the rest are refused').to.be.at.least(1);

    const stored = (await a.app.gateway.store.getPayment(created.body.id))!;
    const held = (stored.refunds ?? []).filter((r) => r.status !== 'failed').reduce((sum, r) => sum + r.amount, 0);
    expect(held).to.be.at.most(1000);
    expect(stored.refunds).to.have.length(made);
    expect(stored.amountRefunded).to.equal(made * 150);
    expect(bank.callsOf('refund'), 'one bank call per refund made').to.have.length(made);
  });
});
