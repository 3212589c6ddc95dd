import { expect } from 'chai';
import { Redis } from 'ioredis';
import { createLogger } from '../../src/logger.js';
import { ExpirySweeper } from '../../src/service/expiry-sweeper.js';
import { PaymentService, type NewPayment } from '../../src/service/payment-service.js';
import { MemoryPaymentStore } from '../../src/store/memory-store.js';
import type { PaymentStore } from '../../src/store/payment-store.js';
import { RedisPaymentStore } from '../../src/store/redis-store.js';
import { waitFor } from '../support/processes.js';
import { randomPrefix, requireRedis } from '../support/redis-server.js';
import { connectorsNamed } from '../support/payment-connectors.js';

function order(index: number): NewPayment {
  return { amount: 1000 + index, currency: 'EUR', reference: `expiry-${index}-${Math.random().toString(36).slice(2)}`, description: null, customer: null, returnUrl: null, metadata: {}, connector: 'native' };
}

async function statuses(store: PaymentStore, ids: string[]): Promise<string[]> {
  return Promise.all(ids.map(async (id) => (await store.getPayment(id))!.status));
}

for (const kind of ['memory', 'redis'] as const) {
  describe(`service: expiry (${kind} store)`, () => {
    let store: PaymentStore;
    let offsetMs: number;
    let service: PaymentService;
    let sweeper: ExpirySweeper | undefined;

    beforeEach(async function () {
      store = kind === 'memory' ? new MemoryPaymentStore() : new RedisPaymentStore(new Redis(await requireRedis(this)), { prefix: randomPrefix(), ownsConnection: true });
      offsetMs = 0;
      service = new PaymentService(store, { connectors: connectorsNamed('native'), ttlMs: 60_000, attemptReuseMs: 0, clock: () => new Date(Date.now() + offsetMs) });
    });

    afterEach(async () => {
      await sweeper?.stop();
      sweeper = undefined;
      await store.close();
    });

    it('a success that arrives after expiresAt, before any sweep, is recorded as succeeded and flagged succeeded_after_expiry', async () => {
      const { payment } = await service.create(order(0));
      const { attempt } = await service.startAttempt(payment.id, 'native');
      offsetMs = 61_000;
      const { transition: result } = await service.receiveBankMessage('native', { outcome: { attemptRef: attempt!.ref, status: 'authorised', amount: payment.amount, currency: payment.currency, bankTransactionId: 'BT-1' } });
      expect(result.verdict).to.equal('anomaly');
      expect(result.payment.status).to.equal('succeeded');
      expect(result.payment.anomalies).to.deep.equal(['succeeded_after_expiry']);
      const events = await store.listEvents(payment.id);
      expect(events.map((e) => [e.type, e.anomaly])).to.deep.equal([
        ['payment.created', undefined],
        ['payment.pending', undefined],
        ['payment.succeeded', undefined],
        ['payment.anomaly', 'succeeded_after_expiry'],
      ]);
    });

    it('the sweeper drains a backlog of several batches at once, without waiting for its pause', async () => {
      const created = await Promise.all(Array.from({ length: 250 }, (_, i) => service.create(order(i))));
      const ids = created.map((c) => c.payment.id);
      offsetMs = 61_000;
      const started = Date.now();
      sweeper = new ExpirySweeper(service, { batchSize: 100, maxPauseMs: 60_000, logger: createLogger('silent') });
      sweeper.start();
      await waitFor('250 payments expired', async () => (await statuses(store, ids)).every((s) => s === 'expired'), { timeoutMs: 10_000, intervalMs: 50 });
      expect(Date.now() - started, 'well before the 60 s pause').to.be.below(10_000);
      for (const id of ids.slice(0, 20)) expect((await store.listEvents(id)).filter((e) => e.type === 'payment.expired')).to.have.length(1);
    });

    it('the sweeper wakes when the next payment falls due, not after its longest pause', async () => {
      sweeper = new ExpirySweeper(service, { batchSize: 100, maxPauseMs: 60_000, logger: createLogger('silent') });
      const soon = new PaymentService(store, { connectors: connectorsNamed('native'), ttlMs: 400, attemptReuseMs: 0, clock: () => new Date(Date.now() + offsetMs) });
      const { payment } = await soon.create(order(1));
      sweeper.start();
      await waitFor('the payment expired', async () => (await store.getPayment(payment.id))!.status === 'expired', { timeoutMs: 5_000, intervalMs: 50 });
    });

    it('two services sweeping one store expire each payment once', async () => {
      const created = await Promise.all(Array.from({ length: 120 }, (_, i) => service.create(order(i))));
      offsetMs = 61_000;
      const other = new PaymentService(store, { connectors: connectorsNamed('native'), ttlMs: 60_000, attemptReuseMs: 0, clock: () => new Date(Date.now() + offsetMs) });
      const moved = await Promise.all([service.expireDue(25), other.expireDue(25), service.expireDue(25)]);
      expect(moved.reduce((a, b) => a + b, 0)).to.equal(120);
      for (const { payment } of created) expect((await store.listEvents(payment.id)).filter((e) => e.type === 'payment.expired')).to.have.length(1);
    });
  });
}
