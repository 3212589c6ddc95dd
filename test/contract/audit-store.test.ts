import { expect } from 'chai';
import { Redis } from 'ioredis';
import type { AuditEntry } from '../../src/core/audit-entry.js';
import type { AuditStore } from '../../src/store/audit-store.js';
import { MemoryAuditStore } from '../../src/store/memory-audit-store.js';
import { RedisAuditStore } from '../../src/store/redis-audit-store.js';
import { MemoryOutbox } from '../../src/store/memory-outbox.js';
import type { Outbox } from '../../src/store/outbox.js';
import { RedisOutbox } from '../../src/store/redis-outbox.js';
import type { GatewayStore } from '../../src/store/gateway-store.js';
import { MemoryPaymentStore } from '../../src/store/memory-store.js';
import { RedisPaymentStore } from '../../src/store/redis-store.js';
import { randomPrefix, requireRedis } from '../support/redis-server.js';
import { freshPayment } from './fresh-payment.js';
import { AUDIT_QUEUES, auditQueueOf } from '../../src/core/audit-event.js';

function entry(i: number): AuditEntry {
  // Every entry at the same instant: the order must come from the appends, not the clock.
  return { id: `aud_${i}`, at: '2031-03-01T10:00:00.000Z', actor: { kind: 'console_user', email: 'op@shop.example' }, action: 'console.refund', paymentId: `pay_${i}`, detail: { amount: i } };
}

for (const kind of ['memory', 'redis'] as const) {
  describe(`audit log storage (${kind})`, () => {
    let redis: Redis | undefined;
    let store: AuditStore;

    beforeEach(async function () {
      if (kind === 'redis') {
        redis = new Redis(await requireRedis(this));
        store = new RedisAuditStore(redis, randomPrefix(), 7);
      } else {
        store = new MemoryAuditStore(7);
      }
    });
    afterEach(async () => {
      await redis?.quit();
      redis = undefined;
    });

    it('pages newest first with a cursor that holds while entries are appended, and keeps only the newest entries', async () => {
      for (let i = 1; i <= 10; i++) await store.append(entry(i));
      const first = await store.list({ limit: 3 });
      expect(first.items.map((e) => e.id)).to.deep.equal(['aud_10', 'aud_9', 'aud_8']);
      await store.append(entry(11));
      const second = await store.list({ limit: 3, cursor: first.nextCursor! });
      expect(second.items.map((e) => e.id)).to.deep.equal(['aud_7', 'aud_6', 'aud_5']);
      // Bounded to 7: 11 … 5 are kept, 4 and older are gone, so there is no page after.
      expect(second.nextCursor).to.equal(null);
      const all = await store.list({ limit: 100 });
      expect(all.items).to.have.length(7);
      expect(all.items[0]).to.deep.equal(entry(11));
      expect(all.nextCursor).to.equal(null);
    });
  });
}

for (const kind of ['memory', 'redis'] as const) {
  describe(`audit log and its events in the outbox (${kind})`, () => {
    let redis: Redis | undefined;
    let store: GatewayStore;
    const now = new Date('2031-03-01T10:00:01.000Z');

    beforeEach(async function () {
      const outboxTargets = ['webhook:0', 'email:merchant'];
      if (kind === 'redis') {
        redis = new Redis(await requireRedis(this));
        store = new RedisPaymentStore(redis, { prefix: randomPrefix(), outboxTargets, clock: () => now });
      } else {
        store = new MemoryPaymentStore({ outboxTargets, clock: () => now });
      }
    });
    afterEach(async () => {
      await redis?.quit();
      redis = undefined;
    });

    it('queues each appended entry as an audit.recorded event for every target, spread over the audit queues apart from the payments, each queue in order', async () => {
      // aud_1 and a later entry of the same audit queue, and aud_2 in another.
      const sameQueue = [...Array(200).keys()].map((i) => i + 3).find((i) => auditQueueOf(`aud_${i}`) === auditQueueOf('aud_1'))!;
      expect(auditQueueOf('aud_2')).to.not.equal(auditQueueOf('aud_1'));
      await store.auditLog.append(entry(1));
      await store.auditLog.append(entry(sameQueue));
      await store.auditLog.append(entry(2));
      expect((await store.auditLog.list({ limit: 10 })).items.map((e) => e.id)).to.deep.equal(['aud_2', `aud_${sameQueue}`, 'aud_1']);
      expect(await store.outbox.pendingCount()).to.equal(6);

      const first = await store.outbox.claim(now, 10, 60_000);
      // Two queues go at once; in aud_1's queue the later entry waits behind it.
      expect(first.map((c) => [c.target, c.event.id]).sort()).to.deep.equal([['email:merchant', 'evt_1'], ['email:merchant', 'evt_2'], ['webhook:0', 'evt_1'], ['webhook:0', 'evt_2']]);
      const claimed = first.find((c) => c.target === 'webhook:0' && c.event.id === 'evt_1')!;
      expect(claimed.event).to.deep.equal({ id: 'evt_1', type: 'audit.recorded', paymentId: auditQueueOf('aud_1'), paymentVersion: 0, occurredAt: entry(1).at, audit: entry(1) });
      expect(claimed.event.paymentId).to.match(/^audit:\d+$/);
      for (const c of first) expect(await store.outbox.complete(c, { at: now.toISOString(), durationMs: 1, status: 204 })).to.equal(true);
      const second = await store.outbox.claim(now, 10, 60_000);
      expect(second.map((c) => c.event.audit?.id)).to.deep.equal([`aud_${sameQueue}`, `aud_${sameQueue}`]);

      // Kept for delivery and redelivery by id, but not listed with the payments' events.
      expect((await store.outbox.getEvent('evt_1'))?.deliveries.map((d) => d.state)).to.deep.equal(['delivered', 'delivered']);
      expect((await store.outbox.listEventsWithDeliveries({ limit: 10 })).items).to.deep.equal([]);
    });

    it('queues audit events only for the audit targets when the store is given them, payment events for every target', async function () {
      const outboxTargets = ['webhook:0', 'email:merchant', 'webhook:1'];
      const auditTargets = ['webhook:1', 'webhook:0'];
      const own: GatewayStore = redis
        ? new RedisPaymentStore(redis, { prefix: randomPrefix(), outboxTargets, auditTargets, clock: () => now })
        : new MemoryPaymentStore({ outboxTargets, auditTargets, clock: () => now });
      await own.auditLog.append(entry(1));
      const payment = freshPayment();
      await own.createPayment({ payment, events: [{ id: 'evt_payment', type: 'payment.created', paymentId: payment.id, paymentVersion: 1, occurredAt: payment.createdAt }] });
      // In the configured order, whatever order the audit targets were given in.
      expect((await own.outbox.getEvent('evt_1'))!.deliveries.map((d) => d.target)).to.deep.equal(['webhook:0', 'webhook:1']);
      expect((await own.outbox.getEvent('evt_payment'))!.deliveries.map((d) => d.target)).to.deep.equal(outboxTargets);
      expect(await own.outbox.pendingCount()).to.equal(5);
      const claimed = await own.outbox.claim(now, 10, 60_000);
      expect(claimed.filter((c) => c.event.id === 'evt_1').map((c) => c.target).sort()).to.deep.equal(['webhook:0', 'webhook:1']);
      // An audit target that is no outbox target is a mistake in the wiring, refused.
      expect(() => (redis ? new RedisPaymentStore(redis, { prefix: randomPrefix(), outboxTargets, auditTargets: ['email:buyer'] }) : new MemoryPaymentStore({ outboxTargets, auditTargets: ['email:buyer'] }))).to.throw(RangeError, /email:buyer/);
    });

    it('appends a create\'s audit entry, with its event, in the write that creates the payment, and none on a replay, a mismatch or a conflict', async () => {
      const payment = freshPayment();
      const createdEvent = (p: { id: string; createdAt: string }, id: string) => ({ id, type: 'payment.created' as const, paymentId: p.id, paymentVersion: 1, occurredAt: p.createdAt });
      const auditOf = (i: number, paymentId: string): AuditEntry => ({ ...entry(i), actor: { kind: 'api_key', name: 'key-1' }, action: 'api.payment.create', paymentId, detail: { amount: 990, currency: 'EUR', reference: 'r' } });
      const idempotency = { key: 'idem-audit-1', fingerprint: 'first', ttlSeconds: 60 };
      const outcome = await store.createPayment({ payment, events: [createdEvent(payment, 'evt_created')], idempotency, audit: auditOf(1, payment.id) });
      expect(outcome.kind).to.equal('created');
      expect((await store.auditLog.list({ limit: 10 })).items).to.deep.equal([auditOf(1, payment.id)]);
      const auditEventRead = await store.outbox.getEvent('evt_1');
      expect(auditEventRead?.event).to.include({ type: 'audit.recorded', paymentId: auditQueueOf('aud_1') });
      expect(auditEventRead?.deliveries.map((d) => d.target)).to.deep.equal(['webhook:0', 'email:merchant']);
      // The payment's event and the entry's, each for both targets.
      expect(await store.outbox.pendingCount()).to.equal(4);

      const other = freshPayment();
      const replay = await store.createPayment({ payment: { ...other, reference: payment.reference }, events: [createdEvent(other, 'evt_other')], idempotency, audit: auditOf(2, other.id) });
      expect(replay.kind).to.equal('replayed');
      const mismatch = await store.createPayment({ payment: other, events: [createdEvent(other, 'evt_other')], idempotency: { ...idempotency, fingerprint: 'second' }, audit: auditOf(3, other.id) });
      expect(mismatch.kind).to.equal('idempotency_mismatch');
      const conflict = await store.createPayment({ payment: { ...other, reference: payment.reference }, events: [createdEvent(other, 'evt_other')], audit: auditOf(4, other.id) });
      expect(conflict.kind).to.equal('reference_conflict');
      expect((await store.auditLog.list({ limit: 10 })).items.map((e) => e.id)).to.deep.equal(['aud_1']);
      for (const id of ['evt_2', 'evt_3', 'evt_4']) expect(await store.outbox.getEvent(id), id).to.equal(null);
      expect(await store.outbox.pendingCount()).to.equal(4);

      // Without one, a create appends none; and the log keeps its order across both kinds of append.
      const plain = freshPayment();
      expect((await store.createPayment({ payment: plain, events: [createdEvent(plain, 'evt_plain')] })).kind).to.equal('created');
      await store.auditLog.append(entry(5));
      const third = freshPayment();
      await store.createPayment({ payment: third, events: [createdEvent(third, 'evt_third')], audit: auditOf(6, third.id) });
      expect((await store.auditLog.list({ limit: 10 })).items.map((e) => e.id)).to.deep.equal(['aud_6', 'aud_5', 'aud_1']);
    });

    it('appends an operation\'s audit entry, with its event, in the commit that carries it out, and none when the commit loses its compare-and-set', async () => {
      const payment = freshPayment();
      await store.createPayment({ payment, events: [] });
      const auditOf = (i: number): AuditEntry => ({ ...entry(i), actor: { kind: 'api_key', name: 'key-1' }, action: 'api.payment.cancel', paymentId: payment.id, detail: {} });
      const cancelled = { ...payment, version: 2, status: 'cancelled' as const, updatedAt: payment.createdAt };
      const event = { id: 'evt_cancelled', type: 'payment.cancelled' as const, paymentId: payment.id, paymentVersion: 2, occurredAt: payment.createdAt };
      // A stale version: nothing is written, the entry included.
      expect(await store.commit({ expectedVersion: 7, next: cancelled, events: [event], audit: auditOf(1) })).to.equal(false);
      expect((await store.auditLog.list({ limit: 10 })).items).to.deep.equal([]);
      expect(await store.outbox.getEvent('evt_1')).to.equal(null);
      expect(await store.outbox.pendingCount()).to.equal(0);

      expect(await store.commit({ expectedVersion: 1, next: cancelled, events: [event], audit: auditOf(2) })).to.equal(true);
      expect((await store.auditLog.list({ limit: 10 })).items).to.deep.equal([auditOf(2)]);
      expect((await store.outbox.getEvent('evt_2'))?.event).to.include({ type: 'audit.recorded', paymentId: auditQueueOf('aud_2') });
      // The payment's event and the entry's, each for both targets.
      expect(await store.outbox.pendingCount()).to.equal(4);
      expect((await store.getPayment(payment.id))?.status).to.equal('cancelled');

      // Without one, a commit appends none; and the log keeps its order across both kinds of append.
      await store.auditLog.append(entry(3));
      expect(await store.commit({ expectedVersion: 2, next: { ...cancelled, version: 3 }, events: [] })).to.equal(true);
      expect(await store.commit({ expectedVersion: 3, next: { ...cancelled, version: 4 }, events: [], audit: auditOf(4) })).to.equal(true);
      expect((await store.auditLog.list({ limit: 10 })).items.map((e) => e.id)).to.deep.equal(['aud_4', 'aud_3', 'aud_2']);
    });

    it('spreads many entries over all the audit queues, so one claim takes many of them', async () => {
      for (let i = 1; i <= 64; i++) await store.auditLog.append(entry(i));
      const queues = new Set([...Array(64).keys()].map((i) => auditQueueOf(`aud_${i + 1}`)));
      expect(queues.size).to.equal(AUDIT_QUEUES);
      const claimed = (await store.outbox.claim(now, 100, 60_000)).filter((c) => c.target === 'webhook:0');
      expect(claimed).to.have.length(AUDIT_QUEUES);
      expect(new Set(claimed.map((c) => c.event.paymentId)).size).to.equal(AUDIT_QUEUES);
    });

    it('lists the audit events apart, newest first, filtered by delivery state, so a dead one can be found and redelivered', async () => {
      for (let i = 1; i <= 3; i++) await store.auditLog.append({ ...entry(i), at: `2031-03-01T10:00:0${i}.000Z` });
      // A payment's event is not an audit one, and the other way round.
      const payment = freshPayment();
      await store.createPayment({ payment, events: [{ id: 'evt_payment', type: 'payment.created', paymentId: payment.id, paymentVersion: 1, occurredAt: payment.createdAt }] });
      expect((await store.outbox.listEventsWithDeliveries({ limit: 10 })).items.map((e) => e.event.id)).to.deep.equal(['evt_payment']);
      const all = await store.outbox.listEventsWithDeliveries({ audit: true, limit: 2 });
      expect(all.items.map((e) => e.event.id)).to.deep.equal(['evt_3', 'evt_2']);
      expect(all.items[0]!.deliveries.map((d) => d.target)).to.deep.equal(['webhook:0', 'email:merchant']);
      const rest = await store.outbox.listEventsWithDeliveries({ audit: true, limit: 2, cursor: all.nextCursor! });
      expect(rest.items.map((e) => e.event.id)).to.deep.equal(['evt_1']);
      expect(rest.nextCursor).to.equal(null);

      // The webhook gives up on the first entry's event: only that one is dead.
      const head = (await store.outbox.claim(now, 10, 60_000)).find((c) => c.target === 'webhook:0' && c.event.id === 'evt_1');
      expect(await store.outbox.fail(head!, { at: now.toISOString(), durationMs: 3, error: 'ECONNREFUSED' }, null)).to.equal(true);
      const dead = await store.outbox.listEventsWithDeliveries({ audit: true, deliveryState: 'dead', limit: 10 });
      expect(dead.items.map((e) => e.event.id)).to.deep.equal(['evt_1']);
      expect(dead.items[0]!.deliveries.find((d) => d.target === 'webhook:0')).to.include({ state: 'dead' });
      expect((await store.outbox.listEventsWithDeliveries({ deliveryState: 'dead', limit: 10 })).items).to.deep.equal([]);

      expect(await store.outbox.redeliver('evt_1', now, ['webhook:0'])).to.equal(true);
      expect((await store.outbox.listEventsWithDeliveries({ audit: true, deliveryState: 'dead', limit: 10 })).items).to.deep.equal([]);
      // Queued again behind the entries still waiting, its first try kept.
      const redelivered = (await store.outbox.getEvent('evt_1'))!.deliveries.find((d) => d.target === 'webhook:0')!;
      expect(redelivered.state).to.equal('pending');
      expect(redelivered.attempts.map((a) => a.error)).to.deep.equal(['ECONNREFUSED']);
    });

    it('refuses an audit listing narrowed to one payment', async () => {
      let refused: unknown;
      try {
        await store.outbox.listEventsWithDeliveries({ audit: true, paymentId: 'pay_1', limit: 10 });
      } catch (err) {
        refused = err;
      }
      expect(refused).to.be.instanceOf(RangeError);
    });
  });
}

for (const kind of ['memory', 'redis'] as const) {
  describe(`the audit events' listing, bounded like the log (${kind})`, () => {
    const bound = 4;
    const now = new Date('2031-03-01T10:01:00.000Z');
    const targets = ['webhook:0', 'email:merchant'];
    let redis: Redis | undefined;
    let log: AuditStore;
    let outbox: Outbox;

    beforeEach(async function () {
      if (kind === 'redis') {
        redis = new Redis(await requireRedis(this));
        const prefix = randomPrefix();
        const redisOutbox = new RedisOutbox(redis, { prefix, targets, clock: () => now });
        log = new RedisAuditStore(redis, prefix, bound, redisOutbox);
        outbox = redisOutbox;
      } else {
        const memoryOutbox = new MemoryOutbox(targets, () => now);
        log = new MemoryAuditStore(bound, memoryOutbox);
        outbox = memoryOutbox;
      }
    });
    afterEach(async () => {
      await redis?.quit();
      redis = undefined;
    });

    it('keeps the newest `bound` audit events listed, newest first; the oldest stays readable by id and claimable', async () => {
      for (let i = 1; i <= bound + 3; i++) await log.append({ ...entry(i), at: `2031-03-01T10:00:0${i}.000Z` });
      expect((await log.list({ limit: 100 })).items).to.have.length(bound);
      const listed = await outbox.listEventsWithDeliveries({ audit: true, limit: 100 });
      expect(listed.items.map((e) => e.event.id)).to.deep.equal(['evt_7', 'evt_6', 'evt_5', 'evt_4']);
      expect(listed.nextCursor).to.equal(null);

      // Out of the listing only: the event and its deliveries are kept and delivered as before.
      const oldest = await outbox.getEvent('evt_1');
      expect(oldest?.event.audit).to.deep.equal({ ...entry(1), at: '2031-03-01T10:00:01.000Z' });
      expect(oldest?.deliveries.map((d) => [d.target, d.state])).to.deep.equal([['webhook:0', 'pending'], ['email:merchant', 'pending']]);
      const claimed = await outbox.claim(now, 100, 60_000);
      const ofOldest = claimed.filter((c) => c.event.id === 'evt_1');
      expect(ofOldest.map((c) => c.target).sort()).to.deep.equal(['email:merchant', 'webhook:0']);
      for (const c of ofOldest) expect(await outbox.complete(c, { at: now.toISOString(), durationMs: 1, status: 204 })).to.equal(true);
      expect((await outbox.getEvent('evt_1'))?.deliveries.map((d) => d.state)).to.deep.equal(['delivered', 'delivered']);
      expect(await outbox.redeliver('evt_1', now, ['webhook:0'])).to.equal(true);
      expect((await outbox.getEvent('evt_1'))?.deliveries.find((d) => d.target === 'webhook:0')?.state).to.equal('pending');
    });
  });
}
