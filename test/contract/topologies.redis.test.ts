import { expect } from 'chai';
import { freshPayment } from './fresh-payment.js';
import { createLogger } from '../../src/logger.js';
import { openRedis, type RedisTarget } from '../../src/store/redis-connection.js';
import { RedisPaymentStore } from '../../src/store/redis-store.js';
import { RedisClusterSet } from '../support/redis-cluster.js';
import { randomPrefix } from '../support/redis-server.js';
import { SentinelSet } from '../support/sentinel-set.js';
import { outboxContract, TARGETS, type OutboxFixture } from './outbox.contract.js';
import { paymentStoreContract, type StoreFixture } from './payment-store.contract.js';

/**
 * The store and outbox contracts once more on the two other shapes of Redis the gateway supports: a
 * primary with a replica behind Sentinel, and a Cluster of three primaries. The connection is the
 * gateway's own (openRedis), so a script whose keys spread over slots fails here with CROSSSLOT.
 */
const quiet = createLogger('silent');

function topology(name: string, start: () => Promise<{ target: RedisTarget; stop(): Promise<void> } | null>, tool: string): void {
  describe(`store contracts on ${name}`, function () {
    this.timeout(60_000);
    let running: { target: RedisTarget; stop(): Promise<void> } | null = null;

    before(async function () {
      running = await start();
      if (running) return;
      if (process.env.CI === 'true') throw new Error(`${tool} is not installed, and CI=true: the ${name} contract tests must run in CI`);
      this.skip();
    });

    after(async () => {
      await running?.stop();
    });

    const open = (options: { clock?: () => Date; outboxTargets?: string[] }) =>
      new RedisPaymentStore(openRedis(running!.target, { name: 'payments', logger: quiet }), { prefix: randomPrefix(), ownsConnection: true, ...options });

    describe('PaymentStore contract', () => {
      paymentStoreContract(async (): Promise<StoreFixture> => ({
        store: open({}),
        now: () => new Date(),
        elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      }));
    });

    describe('Outbox contract', () => {
      outboxContract(async (): Promise<OutboxFixture> => {
        const nowMs = Date.now();
        const clock = (): Date => new Date(nowMs);
        return { store: open({ clock, outboxTargets: TARGETS }), storeWithoutTargets: () => open({ clock }), now: clock };
      });
    });

    describe('audit log', () => {
      it('appends an entry and queues its audit.recorded event in one script, every key in the store\'s slot', async () => {
        const store = open({ outboxTargets: TARGETS });
        try {
          const entry = { id: 'aud_topology', at: new Date().toISOString(), actor: { kind: 'api_key' as const, name: 'key-0' }, action: 'api.payment.capture', paymentId: 'pay_x', detail: {} };
          await store.auditLog.append(entry);
          expect((await store.auditLog.list({ limit: 5 })).items).to.deep.equal([entry]);
          const claims = await store.outbox.claim(new Date(Date.now() + 1000), 10, 60_000);
          expect(claims.map((c) => c.event.audit)).to.deep.equal(TARGETS.map(() => entry));
        } finally {
          await store.close();
        }
      });

      it('appends a create\'s entry and its event in the script that creates the payment, every key in the store\'s slot', async () => {
        const store = open({ outboxTargets: TARGETS });
        try {
          const payment = freshPayment();
          const entry = { id: 'aud_topology_create', at: payment.createdAt, actor: { kind: 'api_key' as const, name: 'key-0' }, action: 'api.payment.create', paymentId: payment.id, detail: { amount: payment.amount } };
          const created = { id: 'evt_topology_payment', type: 'payment.created' as const, paymentId: payment.id, paymentVersion: 1, occurredAt: payment.createdAt };
          expect((await store.createPayment({ payment, events: [created], audit: entry })).kind).to.equal('created');
          expect((await store.auditLog.list({ limit: 5 })).items).to.deep.equal([entry]);
          const claims = await store.outbox.claim(new Date(Date.now() + 1000), 10, 60_000);
          // The payment's event and the entry's (evt_ and the entry's id), each for every target.
          expect(claims.map((c) => c.event.id).sort()).to.deep.equal([...TARGETS.map(() => 'evt_topology_create'), ...TARGETS.map(() => 'evt_topology_payment')].sort());
        } finally {
          await store.close();
        }
      });

      it('appends an operation\'s entry and its event in the commit that carries it out, every key in the store\'s slot', async () => {
        const store = open({ outboxTargets: TARGETS });
        try {
          const payment = freshPayment();
          expect((await store.createPayment({ payment, events: [] })).kind).to.equal('created');
          const entry = { id: 'aud_topology_cancel', at: payment.createdAt, actor: { kind: 'api_key' as const, name: 'key-0' }, action: 'api.payment.cancel', paymentId: payment.id, detail: {} };
          const cancelled = { id: 'evt_topology_cancelled', type: 'payment.cancelled' as const, paymentId: payment.id, paymentVersion: 2, occurredAt: payment.createdAt };
          expect(await store.commit({ expectedVersion: 1, next: { ...payment, version: 2, status: 'cancelled' }, events: [cancelled], audit: entry })).to.equal(true);
          expect((await store.auditLog.list({ limit: 5 })).items).to.deep.equal([entry]);
          const claims = await store.outbox.claim(new Date(Date.now() + 1000), 10, 60_000);
          expect(claims.map((c) => c.event.id).sort()).to.deep.equal([...TARGETS.map(() => 'evt_topology_cancel'), ...TARGETS.map(() => 'evt_topology_cancelled')].sort());
        } finally {
          await store.close();
        }
      });
    });
  });
}

topology('a Sentinel-managed primary with a replica', async () => {
  const set = await SentinelSet.start();
  return set && { target: set.target, stop: () => set.stop() };
}, 'redis-sentinel');

topology('a Redis Cluster of three primaries', async () => {
  const set = await RedisClusterSet.start();
  return set && { target: set.target, stop: () => set.stop() };
}, 'redis-cli');
