import { expect } from 'chai';
import request from 'supertest';
import { StoreUnavailableError } from '../../src/core/errors.js';
import { apiKeyName } from '../../src/http/middleware/api-key-auth.js';
import { RESPONSE_FIELD } from '../../src/protocols/native.js';
import { API_KEY, testGateway, validPayment, type TestGateway, storeOfKind } from '../support/gateway.js';
import { ScriptedOperations, withOperations } from '../support/scripted-operations.js';

const auth = { Authorization: `Bearer ${API_KEY}` };

/**
 * The audit entries of the merchant's operations on a payment: written by the commit that carries the
 * operation out, so that an acknowledged capture, void, cancellation or refund is never without its
 * entry; appended on their own, before the answer, when the operation changed nothing.
 */
for (const kind of ['memory', 'redis'] as const) {
  describe(`audit entries of the operations on a payment (${kind} store)`, () => {
    let gw: TestGateway;
    let bank: ScriptedOperations;

    beforeEach(async function () {
      const storeFor = await storeOfKind(kind, this);
      bank = new ScriptedOperations();
      gw = await testGateway({ ...(storeFor ? { store: storeFor } : {}), connectors: (keystore, fake) => [withOperations(fake.connector(keystore), bank)] });
    });
    afterEach(() => gw.close());

    const post = (path: string, body: object = {}, key?: string) => {
      const req = request(gw.app).post(`/api/v1${path}`).set(auth);
      if (key) req.set('Idempotency-Key', key);
      return req.send(body);
    };
    const entriesOf = async (paymentId: string) => (await gw.app.gateway.audit.list({ limit: 100 })).items.filter((e) => e.paymentId === paymentId);
    const actor = { kind: 'api_key', name: apiKeyName(API_KEY) };

    async function created(overrides: Record<string, unknown> = {}): Promise<string> {
      const res = await post('/payments', validPayment(overrides));
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      return res.body.id as string;
    }

    /** A manual payment the bank authorised: its money is held, waiting for a capture or a void. */
    async function authorised(reference: string): Promise<string> {
      const id = await created({ capture: 'manual', reference });
      const { attempt } = await gw.app.gateway.service.startAttempt(id, 'native');
      const txn = { ref: attempt!.ref, status: 'authorised' as const, amount: 2480, currency: 'EUR', bank_txn_id: `BT-${attempt!.ref}`, auth_code: 'A1B2C3', capture: 'manual' as const };
      const notified = await request(gw.app).post('/bank/native/notify').type('form').send({ [RESPONSE_FIELD]: await gw.bank.sign(txn) });
      expect(notified.body).to.deep.equal({ status: 'accepted' });
      return id;
    }

    /** From now on an entry appended on its own fails, as with a store failing after the change was written. */
    function failLoneAppends(): { tried: number } {
      const seen = { tried: 0 };
      gw.app.gateway.store.auditLog.append = async () => {
        seen.tried += 1;
        throw new StoreUnavailableError();
      };
      return seen;
    }

    it('a capture, a void, a cancellation and a refund are recorded by the commit that makes them, with their events: a lone append failing loses none', async () => {
      const captured = await authorised('order-capture');
      const voided = await authorised('order-void');
      const unpaid = await created({ reference: 'order-unpaid' });
      const lone = failLoneAppends();

      expect((await post(`/payments/${captured}/capture`, { amount: 2000 })).status).to.equal(200);
      const refund = await post(`/payments/${captured}/refunds`, { amount: 500, reason: 'damaged' });
      expect(refund.status).to.equal(201);
      expect((await post(`/payments/${voided}/cancel`)).body.status).to.equal('cancelled');
      expect((await post(`/payments/${unpaid}/cancel`)).body.status).to.equal('cancelled');
      expect(lone.tried).to.equal(0);

      const ofCaptured = await entriesOf(captured);
      expect(ofCaptured.map((e) => [e.action, e.detail])).to.deep.equal([
        ['api.payment.refund', { refund: refund.body.id, amount: 500, status: 'succeeded', reason: 'damaged' }],
        ['api.payment.capture', { amount: 2000 }],
        ['api.payment.create', { amount: 2480, currency: 'EUR', reference: 'order-capture' }],
      ]);
      expect((await entriesOf(voided)).map((e) => e.action)).to.deep.equal(['api.payment.cancel', 'api.payment.create']);
      expect((await entriesOf(unpaid)).map((e) => e.action)).to.deep.equal(['api.payment.cancel', 'api.payment.create']);
      for (const entry of [...ofCaptured, ...(await entriesOf(voided))]) {
        expect(entry.actor).to.deep.equal(actor);
        // Each entry's audit.recorded event (its id with the event prefix) was queued by the same write.
        const event = await gw.app.gateway.store.outbox.getEvent(`evt_${entry.id.slice('aud_'.length)}`);
        expect(event?.event.audit, entry.action).to.deep.equal(entry);
      }
    });

    it('an operation that changes nothing is recorded on its own before it is answered, and a replay under its key not at all', async () => {
      const id = await created();
      expect((await post(`/payments/${id}/cancel`)).body.status).to.equal('cancelled');
      // Already cancelled: nothing is written but the entry, there when the answer is.
      expect((await post(`/payments/${id}/cancel`)).status).to.equal(200);
      expect((await entriesOf(id)).map((e) => e.action)).to.deep.equal(['api.payment.cancel', 'api.payment.cancel', 'api.payment.create']);

      const held = await authorised('order-sync');
      expect((await post(`/payments/${held}/sync`, {}, 'sync-1')).status).to.equal(200);
      const replay = await post(`/payments/${held}/sync`, {}, 'sync-1');
      expect(replay.headers['idempotent-replayed']).to.equal('true');
      expect((await post(`/payments/${held}/capture`, {}, 'cap-1')).status).to.equal(200);
      expect((await post(`/payments/${held}/capture`, {}, 'cap-1')).headers['idempotent-replayed']).to.equal('true');
      expect((await entriesOf(held)).map((e) => e.action)).to.deep.equal(['api.payment.capture', 'api.payment.sync', 'api.payment.create']);
    });

    it('a refund the bank has not answered yet is recorded as pending, and its retry with the answer once more', async () => {
      const id = await authorised('order-pending-refund');
      expect((await post(`/payments/${id}/capture`)).status).to.equal(200);
      bank.answer('refund', { outcome: 'pending' });
      const first = await post(`/payments/${id}/refunds`, { amount: 700 }, 'rf-1');
      expect(first.body.status).to.equal('pending');
      const retried = await post(`/payments/${id}/refunds`, { amount: 700 }, 'rf-1');
      expect(retried.body).to.include({ id: first.body.id, status: 'succeeded' });
      const refunds = (await entriesOf(id)).filter((e) => e.action === 'api.payment.refund');
      expect(refunds.map((e) => e.detail)).to.deep.equal([
        { refund: first.body.id, amount: 700, status: 'succeeded' },
        { refund: first.body.id, amount: 700, status: 'pending' },
      ]);
    });
  });
}
