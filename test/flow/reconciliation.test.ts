import { expect } from 'chai';
import request from 'supertest';
import { RESPONSE_FIELD } from '../../src/protocols/native.js';
import { Reconciler } from '../../src/service/reconciler.js';
import { API_KEY, testGateway, validPayment, type StoreFor, type TestGateway, storeOfKind } from '../support/gateway.js';
import { ScriptedOperations, withOperations } from '../support/scripted-operations.js';

const auth = { Authorization: `Bearer ${API_KEY}` };
const AFTER_MS = 10 * 60_000;

/**
 * The reconciliation job against a bank whose back office is scripted: a payment whose notification
 * was lost and a refund whose answer never came are settled by the status query, through the same
 * state machine as a notification, with the source in the payment's history; asks back off; a bank
 * without a status query is never asked.
 */
for (const kind of ['memory', 'redis'] as const) {
  describe(`reconciliation job (${kind} store)`, () => {
    let gw: TestGateway;
    let bank: ScriptedOperations;
    let storeFor: StoreFor | undefined;

    async function start(operations: ScriptedOperations, env: Record<string, string> = {}): Promise<void> {
      bank = operations;
      gw = await testGateway({ env, ...(storeFor ? { store: storeFor } : {}), connectors: (keystore, fake) => [withOperations(fake.connector(keystore), bank)] });
    }

    beforeEach(async function () {
      storeFor = await storeOfKind(kind, this);
    });
    afterEach(() => gw?.close());

    const api = () => request(gw.app);
    const getPayment = async (id: string) => (await api().get(`/api/v1/payments/${id}`).set(auth)).body;
    const reconciler = () =>
      new Reconciler(gw.app.gateway.store, gw.app.gateway.operations, { firstAfterMs: AFTER_MS, maxDelayMs: 6 * 3600_000, maxPauseMs: 60_000, clock: () => gw.app.gateway.service.now(), logger: gw.app.gateway.logger });

    /** A payment the buyer took to the bank; its attempt is pending, its notification not sent. */
    async function pendingAtBank(): Promise<{ id: string; ref: string; amount: number }> {
      const created = await api().post('/api/v1/payments').set(auth).send(validPayment());
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      const { attempt } = await gw.app.gateway.service.startAttempt(created.body.id, 'native');
      return { id: created.body.id as string, ref: attempt!.ref, amount: created.body.amount as number };
    }

    async function notify(ref: string, amount: number): Promise<unknown> {
      const txn = { ref, status: 'authorised' as const, amount, currency: 'EUR', bank_txn_id: `BT-${ref}`, auth_code: 'A1B2C3' };
      return (await api().post('/bank/native/notify').type('form').send({ [RESPONSE_FIELD]: await gw.bank.sign(txn) })).body;
    }

    const authorisedAnswer = (ref: string, amount: number) => ({ attemptRef: ref, status: 'authorised' as const, amount, currency: 'EUR', bankTransactionId: `BT-${ref}` });

    it('a payment whose notification was lost is settled by the status query once RECONCILE_AFTER has passed; a late notification then changes nothing', async () => {
      await start(new ScriptedOperations());
      const { id, ref, amount } = await pendingAtBank();
      const job = reconciler();

      gw.clock.advance(AFTER_MS - 60_000);
      expect((await job.reconcileBatch()).claimed, 'not yet: the notification may still come').to.equal(0);
      expect(bank.callsOf('status')).to.deep.equal([]);

      gw.clock.advance(61_000);
      bank.answer('status', authorisedAnswer(ref, amount));
      expect((await job.reconcileBatch()).claimed).to.equal(1);
      expect(bank.callsOf('status').map((c) => c.paymentId)).to.deep.equal([id]);
      const settled = await getPayment(id);
      expect(settled.status).to.equal('succeeded');
      const succeeded = settled.events.filter((e: { type: string }) => e.type === 'payment.succeeded');
      expect(succeeded, 'the history says how the gateway learned it').to.have.length(1);
      expect(succeeded[0].source).to.equal('status_query');
      expect(settled.events.find((e: { type: string }) => e.type === 'payment.created').source, 'other events have no source').to.equal(undefined);

      expect(await notify(ref, amount), 'the bank is acknowledged').to.deep.equal({ status: 'accepted' });
      const after = await getPayment(id);
      expect(after.version, 'the late notification is a duplicate').to.equal(settled.version);
      expect(after.events).to.deep.equal(settled.events);
      expect((await job.reconcileBatch()).nextDueAt, 'settled: nothing left to ask about').to.equal(null);
    });

    it('a notification that lands while the status query is out wins, and the status answer does not apply a second time', async () => {
      await start(new ScriptedOperations());
      const { id, ref, amount } = await pendingAtBank();
      gw.clock.advance(AFTER_MS);
      bank.delayMs = 100;
      bank.answer('status', authorisedAnswer(ref, amount));
      const batch = reconciler().reconcileBatch();
      while (bank.callsOf('status').length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(await notify(ref, amount)).to.deep.equal({ status: 'accepted' });
      await batch;
      const payment = await getPayment(id);
      expect(payment.status).to.equal('succeeded');
      const succeeded = payment.events.filter((e: { type: string }) => e.type === 'payment.succeeded');
      expect(succeeded, 'one success, recorded once').to.have.length(1);
      expect(succeeded[0].source, 'the notification applied it').to.equal(undefined);
    });

    it('a refund whose answer never came is settled by asking the bank about it', async () => {
      await start(new ScriptedOperations());
      const { id, ref, amount } = await pendingAtBank();
      await notify(ref, amount);
      bank.answer('refund', { outcome: 'unknown', reason: 'no_answer' });
      const refund = await api().post(`/api/v1/payments/${id}/refunds`).set(auth).send({ amount: 500 });
      expect(refund.body.status, JSON.stringify(refund.body)).to.equal('pending');

      gw.clock.advance(AFTER_MS);
      expect((await reconciler().reconcileBatch()).claimed).to.equal(1);
      expect(bank.callsOf('refundStatus').map((c) => c.operationId)).to.deep.equal([refund.body.id]);
      expect(bank.callsOf('refund'), 'never sent a second time').to.have.length(1);
      const payment = await getPayment(id);
      expect(payment.refunds[0]).to.include({ id: refund.body.id, status: 'succeeded' });
      expect(payment.amountRefunded).to.equal(500);
      const event = payment.events.find((e: { type: string }) => e.type === 'refund.succeeded');
      expect(event).to.include({ refundId: refund.body.id, source: 'status_query' });
    });

    it('backs off while the bank does not know: asked after 10m, then 20m later, then 40m later', async () => {
      // A payment that may be paid for a day, so that expiry does not end the asks first.
      await start(new ScriptedOperations(), { PAYMENT_TTL: '24h' });
      const { id } = await pendingAtBank();
      const job = reconciler();
      const asksAfter = async (ms: number): Promise<number> => {
        gw.clock.advance(ms);
        await job.reconcileBatch();
        return bank.callsOf('status').length;
      };
      // Each status answer is null (the bank has nothing to say yet).
      expect(await asksAfter(AFTER_MS)).to.equal(1);
      expect(await asksAfter(2 * AFTER_MS - 1000), 'too early for the second ask').to.equal(1);
      expect(await asksAfter(1000)).to.equal(2);
      expect(await asksAfter(4 * AFTER_MS - 1000), 'too early for the third ask').to.equal(2);
      expect(await asksAfter(1000)).to.equal(3);
      expect((await getPayment(id)).status).to.equal('pending');
    });

    it('a payment left pending without its entry in the reconciliation set (an older version, a lost entry) is backfilled once at the job\'s start and then reconciled', async () => {
      await start(new ScriptedOperations());
      const { id, ref, amount } = await pendingAtBank();
      await gw.app.gateway.store.forgetReconciliation(id);
      gw.clock.advance(AFTER_MS);
      expect((await reconciler().reconcileBatch()).claimed, 'without the backfill it is never asked about').to.equal(0);

      bank.answer('status', authorisedAnswer(ref, amount));
      const job = reconciler();
      job.start();
      try {
        for (let waited = 0; bank.callsOf('status').length === 0; waited += 5) {
          expect(waited, 'the started job asks the bank').to.be.below(5000);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      } finally {
        await job.stop();
      }
      const settled = await getPayment(id);
      expect(settled.status).to.equal('succeeded');
      expect(settled.events.find((e: { type: string }) => e.type === 'payment.succeeded').source).to.equal('status_query');
      expect(await reconciler().backfill(), 'another instance starting meanwhile leaves the walk to the lease holder').to.equal(0);
    });

    it('never asks a bank without a status query: the payment leaves the set and expires as before', async () => {
      await start(new ScriptedOperations({ status: false }));
      const { id } = await pendingAtBank();
      const job = reconciler();
      gw.clock.advance(AFTER_MS);
      await job.reconcileBatch();
      expect(bank.calls, 'no call to the bank').to.deep.equal([]);
      gw.clock.advance(3600_000);
      expect(await job.reconcileBatch(), 'dropped from the set').to.deep.equal({ claimed: 0, nextDueAt: null });
      await gw.app.gateway.service.expireDue();
      expect((await getPayment(id)).status).to.equal('expired');
    });
  });
}
