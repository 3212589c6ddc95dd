import { expect } from 'chai';
import { Redis } from 'ioredis';
import type { PaymentEvent } from '../../src/core/events.js';
import { newId } from '../../src/core/ids.js';
import type { Payment } from '../../src/core/payment.js';
import type { ClaimedDelivery } from '../../src/store/outbox.js';
import { RedisPaymentStore } from '../../src/store/redis-store.js';
import { randomPrefix, requireRedis } from '../support/redis-server.js';

const TARGETS = ['webhook:0', 'email'];
const PAYMENTS = 100;
const EVENTS_PER_PAYMENT = 10;

/**
 * Two gateway instances on one Redis, each with its own connection, writing payments while both
 * run an outbox worker loop. The claim, complete and fail scripts must hand each queue head to one
 * worker at a time, deliver every event once per target, and keep each payment's order.
 */
describe('outbox under two concurrent workers on one Redis', () => {
  let stores: RedisPaymentStore[] = [];

  afterEach(async () => {
    for (const store of stores) await store.close();
    stores = [];
  });

  it('delivers 1000 events over 100 payments to every target exactly once, in order per payment', async function () {
    this.timeout(120_000);
    const url = await requireRedis(this);
    const prefix = randomPrefix();
    stores = [0, 1].map(() => new RedisPaymentStore(new Redis(url), { prefix, ownsConnection: true, outboxTargets: TARGETS }));
    const [a, b] = stores as [RedisPaymentStore, RedisPaymentStore];

    /** Queue (`target|payment`) → event whose claim a worker holds right now. */
    const held = new Map<string, string>();
    /** `target|event` of every delivery a worker holds right now, kept until its settlement returns. */
    const heldDeliveries = new Set<string>();
    /** `target|event` → completions. */
    const completions = new Map<string, number>();
    /** Queue → payment versions in the order they were completed. */
    const delivered = new Map<string, number[]>();
    const completedBy = [0, 0];
    let failures = 0;
    let producing = true;

    async function produce(index: number): Promise<void> {
      const store = index % 2 === 0 ? a : b;
      const other = index % 2 === 0 ? b : a;
      const at = new Date().toISOString();
      let payment: Payment = {
        id: newId('pay'),
        version: 1,
        status: 'created',
        amount: 100 + index,
        currency: 'EUR',
        reference: `stress-${index}-${newId('msg')}`,
        description: null,
        customer: null,
        returnUrl: null,
        metadata: {},
        connector: 'native',
        createdAt: at,
        updatedAt: at,
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
        attempts: [],
        anomalies: [],
      };
      const event = (p: Payment, type: PaymentEvent['type']): PaymentEvent => ({
        id: newId('evt'),
        type,
        paymentId: p.id,
        paymentVersion: p.version,
        occurredAt: new Date().toISOString(),
      });
      expect((await store.createPayment({ payment, events: [event(payment, 'payment.created')] })).kind).to.equal('created');
      for (let v = 2; v <= EVENTS_PER_PAYMENT; v += 1) {
        const next: Payment = { ...payment, version: v, updatedAt: new Date().toISOString() };
        // Alternate the writing instance too.
        const writer = v % 2 === 0 ? other : store;
        expect(await writer.commit({ expectedVersion: payment.version, next, events: [event(next, v % 2 === 0 ? 'payment.pending' : 'payment.failed')] })).to.equal(true);
        payment = next;
      }
    }

    async function settle(worker: number, store: RedisPaymentStore, claim: ClaimedDelivery): Promise<void> {
      const queue = `${claim.target}|${claim.event.paymentId}`;
      const key = `${claim.target}|${claim.event.id}`;
      expect(held.has(queue), `queue ${queue} claimed while held`).to.equal(false);
      expect(heldDeliveries.has(key), `delivery ${key} claimed while held`).to.equal(false);
      held.set(queue, claim.event.id);
      heldDeliveries.add(key);
      // Let the other worker run while this one "delivers".
      await new Promise((resolve) => setImmediate(resolve));
      expect(held.get(queue)).to.equal(claim.event.id);
      const attempt = { at: new Date().toISOString(), durationMs: 1 };
      // About one try in ten fails and is retried a few ms later.
      if (Math.random() < 0.1) {
        failures += 1;
        held.delete(queue);
        // Due again in 5 ms: released before the call, since the reply may come later than that.
        heldDeliveries.delete(key);
        expect(await store.outbox.fail(claim, { ...attempt, status: 503 }, new Date(Date.now() + 5))).to.equal(true);
        return;
      }
      // Released before the script runs: once it has run the other worker may claim the next head at once.
      held.delete(queue);
      expect(await store.outbox.complete(claim, { ...attempt, status: 200 })).to.equal(true);
      // A completed delivery is never handed out again, so it stays held until the reply is in.
      heldDeliveries.delete(key);
      completions.set(key, (completions.get(key) ?? 0) + 1);
      delivered.set(queue, [...(delivered.get(queue) ?? []), claim.event.paymentVersion]);
      completedBy[worker] = (completedBy[worker] ?? 0) + 1;
    }

    async function work(worker: number, store: RedisPaymentStore): Promise<void> {
      for (;;) {
        const claims = await store.outbox.claim(new Date(), 25, 60_000);
        if (claims.length === 0) {
          if (!producing && (await store.outbox.pendingCount()) === 0) return;
          await new Promise((resolve) => setTimeout(resolve, 2));
          continue;
        }
        await Promise.all(claims.map((claim) => settle(worker, store, claim)));
      }
    }

    const workers = [work(0, a), work(1, b)];
    await Promise.all(Array.from({ length: PAYMENTS }, (_, i) => produce(i)));
    producing = false;
    await Promise.all(workers);

    const deliveries = PAYMENTS * EVENTS_PER_PAYMENT * TARGETS.length;
    expect(completions.size).to.equal(deliveries);
    expect([...completions.values()].every((n) => n === 1)).to.equal(true);
    expect(completedBy[0]! + completedBy[1]!).to.equal(deliveries);
    expect(completedBy[0], 'worker A delivered some').to.be.greaterThan(0);
    expect(completedBy[1], 'worker B delivered some').to.be.greaterThan(0);
    expect(delivered.size).to.equal(PAYMENTS * TARGETS.length);
    const inOrder = Array.from({ length: EVENTS_PER_PAYMENT }, (_, i) => i + 1);
    for (const [queue, versions] of delivered) expect(versions, queue).to.deep.equal(inOrder);
    expect(held.size).to.equal(0);
    expect(heldDeliveries.size).to.equal(0);
    expect(await a.outbox.pendingCount()).to.equal(0);
    expect((await b.outbox.listEventsWithDeliveries({ limit: 10, deliveryState: 'pending' })).items).to.deep.equal([]);

    // Every failed try is on record, before the one that succeeded.
    let recorded = 0;
    let cursor: string | undefined;
    do {
      const page = await a.outbox.listEventsWithDeliveries(cursor === undefined ? { limit: 200 } : { limit: 200, cursor });
      for (const { deliveries: list } of page.items) {
        for (const d of list) {
          expect(d.state).to.equal('delivered');
          expect(d.attempts.map((t) => t.status).slice(-1)).to.deep.equal([200]);
          recorded += d.attempts.length;
        }
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(recorded).to.equal(deliveries + failures);
  });
});
