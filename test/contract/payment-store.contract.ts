import { expect } from 'chai';
import { ValidationError } from '../../src/core/errors.js';
import type { PaymentEvent } from '../../src/core/events.js';
import { newAttemptReference, newId } from '../../src/core/ids.js';
import type { Payment } from '../../src/core/payment.js';
import { transition, type BankOutcome, type Command } from '../../src/core/transition.js';
import type { CreatePaymentInput, ExpiryClaim, PaymentStore, ReconcileClaim } from '../../src/store/payment-store.js';

/** An empty store under test, with the clock it reads for expiring idempotency keys and message ids. */
export interface StoreFixture {
  store: PaymentStore;
  now(): Date;
  /** Lets time pass for the store: a fake clock moves, or real time is waited out. */
  elapse(ms: number): Promise<void>;
}

const TTL_MS = 15 * 60_000;
const DAY_SECONDS = 24 * 3600;

/**
 * The PaymentStore contract. Every adapter runs this suite unchanged, so code above the store can
 * rely on one behaviour whichever adapter is configured.
 */
export function paymentStoreContract(setup: (ctx: Mocha.Context) => Promise<StoreFixture>): void {
  let fx: StoreFixture;
  let store: PaymentStore;

  beforeEach(async function () {
    fx = await setup(this);
    store = fx.store;
  });

  afterEach(async () => {
    await store?.close();
  });

  /** A payment as the service creates it, with its creation event. */
  function draft(overrides: Partial<Payment> = {}, at: Date = fx.now()): CreatePaymentInput & { payment: Payment } {
    const iso = at.toISOString();
    const payment: Payment = {
      id: newId('pay'),
      version: 1,
      status: 'created',
      amount: 1250,
      currency: 'EUR',
      reference: `order-${newId('msg').slice(4, 14)}`,
      description: 'Deux croissants, café crème — 2 €',
      customer: { email: 'buyer@example.test', locale: 'fr' },
      returnUrl: 'https://shop.example.test/return',
      metadata: { cart: '42' },
      connector: 'native',
      createdAt: iso,
      updatedAt: iso,
      expiresAt: new Date(at.getTime() + TTL_MS).toISOString(),
      attempts: [],
      anomalies: [],
      ...overrides,
    };
    const event: PaymentEvent = { id: newId('evt'), type: 'payment.created', paymentId: payment.id, paymentVersion: 1, occurredAt: iso };
    return { payment, events: [event] };
  }

  async function created(overrides: Partial<Payment> = {}, at?: Date): Promise<Payment> {
    const outcome = await store.createPayment(draft(overrides, at));
    if (outcome.kind !== 'created') throw new Error(`expected created, got ${outcome.kind}`);
    return outcome.payment;
  }

  /** Applies a command through the state machine and commits it, as the service does. */
  async function move(payment: Payment, command: Command, at: Date = fx.now()): Promise<Payment> {
    const result = transition(payment, command, { now: at, newEventId: () => newId('evt') });
    expect(result.changed, `${command.type} should change the payment`).to.equal(true);
    expect(await store.commit({ expectedVersion: payment.version, next: result.payment, events: result.events })).to.equal(true);
    return result.payment;
  }

  function startAttempt(payment: Payment, at?: Date): Promise<Payment> {
    return move(payment, { type: 'start_attempt', attemptRef: newAttemptReference(), connector: 'native', reuseWindowMs: 0 }, at);
  }

  function bankSays(payment: Payment, status: BankOutcome['status']): Promise<Payment> {
    const attempt = payment.attempts[payment.attempts.length - 1];
    if (!attempt) throw new Error('no attempt to answer');
    return move(payment, { type: 'bank_outcome', outcome: { attemptRef: attempt.ref, status, amount: payment.amount, currency: payment.currency } });
  }

  function claimedIds(claim: ExpiryClaim): string[] {
    return claim.payments.map((p) => p.id);
  }

  function afterExpiry(payment: Payment): Date {
    return new Date(Date.parse(payment.expiresAt) + 1000);
  }

  async function allPages(query: { reference?: string; status?: Payment['status']; limit: number }): Promise<string[][]> {
    const pages: string[][] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 50; i += 1) {
      const page = await store.listPayments(cursor === undefined ? query : { ...query, cursor });
      pages.push(page.items.map((p) => p.id));
      if (page.nextCursor === null) return pages;
      cursor = page.nextCursor;
    }
    throw new Error('listing never ended');
  }

  describe('create and read', () => {
    it('stores a payment and its creation event, and reads it back by id', async () => {
      const input = draft();
      const outcome = await store.createPayment(input);
      expect(outcome).to.deep.equal({ kind: 'created', payment: input.payment });
      expect(await store.getPayment(input.payment.id)).to.deep.equal(input.payment);
      expect(await store.listEvents(input.payment.id)).to.deep.equal(input.events);
    });

    it('answers null for an unknown payment or attempt, and no events', async () => {
      expect(await store.getPayment(newId('pay'))).to.equal(null);
      expect(await store.getPaymentByAttempt(newAttemptReference())).to.equal(null);
      expect(await store.listEvents(newId('pay'))).to.deep.equal([]);
    });

    it('finds a payment by each of its attempts', async () => {
      const first = await startAttempt(await created());
      const failed = await bankSays(first, 'refused');
      const second = await startAttempt(failed);
      const [a1, a2] = second.attempts;
      expect(await store.getPaymentByAttempt(a1!.ref)).to.deep.equal(second);
      expect(await store.getPaymentByAttempt(a2!.ref)).to.deep.equal(second);
    });

    it('keeps its own copy: changing what was passed in or read out changes nothing stored', async () => {
      const input = draft();
      const original = structuredClone(input.payment);
      await store.createPayment(input);
      input.payment.amount = 1;
      input.payment.metadata.cart = 'changed';
      const read = await store.getPayment(original.id);
      read!.attempts.push({ ref: 'X', connector: 'native', status: 'pending', createdAt: '', updatedAt: '' });
      (await store.listEvents(original.id))[0]!.type = 'payment.succeeded';
      expect(await store.getPayment(original.id)).to.deep.equal(original);
      expect((await store.listEvents(original.id))[0]!.type).to.equal('payment.created');
    });
  });

  describe('idempotency', () => {
    it('replays the first answer for the same key and fingerprint, writing nothing new', async () => {
      const first = draft();
      const idempotency = { key: newId('msg'), fingerprint: 'fp-a', ttlSeconds: DAY_SECONDS };
      expect((await store.createPayment({ ...first, idempotency })).kind).to.equal('created');
      // The payment moves on; the replay still shows the payment as first answered.
      await startAttempt(first.payment);

      const retry = draft({ reference: first.payment.reference });
      const outcome = await store.createPayment({ ...retry, idempotency });
      expect(outcome).to.deep.equal({ kind: 'replayed', payment: first.payment });
      expect(await store.getPayment(retry.payment.id)).to.equal(null);
      expect(await store.listEvents(retry.payment.id)).to.deep.equal([]);
    });

    it('refuses the same key with another fingerprint, writing nothing', async () => {
      const key = newId('msg');
      await store.createPayment({ ...draft(), idempotency: { key, fingerprint: 'fp-a', ttlSeconds: DAY_SECONDS } });
      const other = draft();
      const outcome = await store.createPayment({ ...other, idempotency: { key, fingerprint: 'fp-b', ttlSeconds: DAY_SECONDS } });
      expect(outcome).to.deep.equal({ kind: 'idempotency_mismatch' });
      expect(await store.getPayment(other.payment.id)).to.equal(null);
      expect((await store.listPayments({ reference: other.payment.reference, limit: 10 })).items).to.deep.equal([]);
    });

    it('forgets a key after its time to live', async () => {
      const key = newId('msg');
      await store.createPayment({ ...draft(), idempotency: { key, fingerprint: 'fp-a', ttlSeconds: 1 } });
      await fx.elapse(1200);
      const later = draft();
      const outcome = await store.createPayment({ ...later, idempotency: { key, fingerprint: 'fp-b', ttlSeconds: 1 } });
      expect(outcome).to.deep.equal({ kind: 'created', payment: later.payment });
    });

    it('does not remember a key whose create was refused for a reference conflict', async () => {
      const holder = await created();
      const key = newId('msg');
      const refused = await store.createPayment({
        ...draft({ reference: holder.reference }),
        idempotency: { key, fingerprint: 'fp-a', ttlSeconds: DAY_SECONDS },
      });
      expect(refused.kind).to.equal('reference_conflict');
      const outcome = await store.createPayment({ ...draft(), idempotency: { key, fingerprint: 'fp-b', ttlSeconds: DAY_SECONDS } });
      expect(outcome.kind).to.equal('created');
    });
  });

  describe('reference slots', () => {
    async function conflictFor(reference: string): Promise<Payment | null> {
      const attempt = draft({ reference });
      const outcome = await store.createPayment(attempt);
      if (outcome.kind === 'created') return null;
      expect(outcome.kind).to.equal('reference_conflict');
      expect(await store.getPayment(attempt.payment.id), 'a refused create writes nothing').to.equal(null);
      return outcome.kind === 'reference_conflict' ? outcome.existing : null;
    }

    it('refuses a second payment while the first is created, pending or failed, naming the holder', async () => {
      const open = await created();
      expect(await conflictFor(open.reference)).to.deep.equal(open);
      const pending = await startAttempt(open);
      expect(await conflictFor(open.reference)).to.deep.equal(pending);
      const failed = await bankSays(pending, 'refused');
      expect(failed.status).to.equal('failed');
      expect(await conflictFor(open.reference)).to.deep.equal(failed);
    });

    it('refuses a new payment for a reference already paid', async () => {
      const paid = await bankSays(await startAttempt(await created()), 'authorised');
      expect(paid.status).to.equal('succeeded');
      expect(await conflictFor(paid.reference)).to.deep.equal(paid);
    });

    it('frees the reference when the payment is cancelled', async () => {
      const cancelled = await move(await created(), { type: 'cancel' });
      expect(cancelled.status).to.equal('cancelled');
      expect(await conflictFor(cancelled.reference)).to.equal(null);
    });

    it('frees the reference when the payment expires, and the newcomer holds it', async () => {
      const first = await startAttempt(await created());
      const expired = await move(first, { type: 'expire' }, afterExpiry(first));
      expect(expired.status).to.equal('expired');
      expect(await conflictFor(first.reference)).to.equal(null);
      // The payment created by conflictFor now holds the slot.
      expect((await conflictFor(first.reference))?.status).to.equal('created');
    });

    it('keeps the slot held by the first success when a cancelled payment of that reference succeeds late', async () => {
      const late = await startAttempt(await created());
      const cancelled = await move(late, { type: 'cancel' });
      const winner = await bankSays(await startAttempt(await created({ reference: late.reference })), 'authorised');
      const lateSuccess = await bankSays(cancelled, 'authorised');
      expect(lateSuccess.status).to.equal('succeeded');
      expect(await conflictFor(late.reference)).to.deep.equal(winner);
    });
  });

  describe('commit', () => {
    it('writes nothing when the expected version is stale', async () => {
      const stored = await startAttempt(await created());
      const eventsBefore = await store.listEvents(stored.id);
      // Decided from version 1, while the store is at version 2.
      const stale = { ...stored, version: 1, attempts: [] };
      const lost = transition(stale, { type: 'start_attempt', attemptRef: newAttemptReference(), connector: 'native', reuseWindowMs: 0 }, {
        now: fx.now(),
        newEventId: () => newId('evt'),
      });
      expect(await store.commit({ expectedVersion: 1, next: lost.payment, events: lost.events })).to.equal(false);
      const cancel = transition(stale, { type: 'cancel' }, { now: fx.now(), newEventId: () => newId('evt') });
      expect(await store.commit({ expectedVersion: 1, next: cancel.payment, events: cancel.events })).to.equal(false);

      expect(await store.getPayment(stored.id)).to.deep.equal(stored);
      expect(await store.listEvents(stored.id)).to.deep.equal(eventsBefore);
      expect(await store.getPaymentByAttempt(lost.payment.attempts[0]!.ref), 'attempt index untouched').to.equal(null);
      expect((await conflictOf(stored.reference))?.id, 'reference still held').to.equal(stored.id);
      expect(claimedIds(await store.claimDueForExpiry(afterExpiry(stored), 10, 1000))).to.include(stored.id);
    });

    it('refuses a commit for a payment that was never created', async () => {
      const ghost = draft().payment;
      const next = transition(ghost, { type: 'cancel' }, { now: fx.now(), newEventId: () => newId('evt') });
      expect(await store.commit({ expectedVersion: 1, next: next.payment, events: next.events })).to.equal(false);
      expect(await store.getPayment(ghost.id)).to.equal(null);
      expect(await store.listEvents(ghost.id)).to.deep.equal([]);
    });

    it('only one of two writers deciding from the same version wins', async () => {
      const stored = await created();
      const cancel = transition(stored, { type: 'cancel' }, { now: fx.now(), newEventId: () => newId('evt') });
      const pending = transition(stored, { type: 'start_attempt', attemptRef: newAttemptReference(), connector: 'native', reuseWindowMs: 0 }, {
        now: fx.now(),
        newEventId: () => newId('evt'),
      });
      const results = await Promise.all([
        store.commit({ expectedVersion: 1, next: cancel.payment, events: cancel.events }),
        store.commit({ expectedVersion: 1, next: pending.payment, events: pending.events }),
      ]);
      expect(results.filter(Boolean)).to.have.length(1);
      const winner = results[0] ? cancel : pending;
      expect(await store.getPayment(stored.id)).to.deep.equal(winner.payment);
      expect((await store.listEvents(stored.id)).map((e) => e.type)).to.deep.equal(['payment.created', winner.events[0]!.type]);
    });

    it('keeps events in the order they were committed', async () => {
      const p1 = await created();
      const p2 = await startAttempt(p1);
      const p3 = await bankSays(p2, 'refused');
      const p4 = await startAttempt(p3);
      const p5 = await bankSays(p4, 'authorised');
      const events = await store.listEvents(p5.id);
      expect(events.map((e) => e.type)).to.deep.equal(['payment.created', 'payment.pending', 'payment.failed', 'payment.pending', 'payment.succeeded']);
      expect(events.map((e) => e.paymentVersion)).to.deep.equal([1, 2, 3, 4, 5]);
      expect(await store.getPayment(p5.id)).to.deep.equal(p5);
    });

    async function conflictOf(reference: string): Promise<Payment | null> {
      const outcome = await store.createPayment(draft({ reference }));
      return outcome.kind === 'reference_conflict' ? outcome.existing : null;
    }
  });

  describe('listPayments', () => {
    it('pages newest first with a cursor until the list ends', async () => {
      const base = fx.now().getTime() - 3_600_000;
      const ids: string[] = [];
      for (let i = 0; i < 7; i += 1) ids.push((await created({}, new Date(base + i * 1000))).id);
      const newestFirst = [...ids].reverse();
      expect(await allPages({ limit: 3 })).to.deep.equal([newestFirst.slice(0, 3), newestFirst.slice(3, 6), newestFirst.slice(6)]);
      expect(await allPages({ limit: 7 })).to.deep.equal([newestFirst]);
    });

    it('returns exactly the page size and a null cursor when nothing is left', async () => {
      const reference = `list-${newId('msg')}`;
      const first = await created({ reference });
      await move(first, { type: 'cancel' });
      const second = await created({ reference }, new Date(fx.now().getTime() + 1));
      const page = await store.listPayments({ reference, limit: 2 });
      expect(page.items.map((p) => p.id)).to.deep.equal([second.id, first.id]);
      expect(page.nextCursor).to.equal(null);
      const firstPage = await store.listPayments({ reference, limit: 1 });
      expect(firstPage.items.map((p) => p.id)).to.deep.equal([second.id]);
      expect(firstPage.nextCursor).to.be.a('string');
      const next = await store.listPayments({ reference, limit: 1, cursor: firstPage.nextCursor! });
      expect(next.items.map((p) => p.id)).to.deep.equal([first.id]);
      expect(next.nextCursor).to.equal(null);
    });

    it('pages through payments created in the same millisecond without losing or repeating one', async () => {
      const reference = `tie-${newId('msg')}`;
      const at = fx.now();
      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        const p = await created({ reference }, at);
        ids.push(p.id);
        await move(p, { type: 'cancel' });
      }
      const pages = await allPages({ reference, limit: 2 });
      expect(pages.map((page) => page.length)).to.deep.equal([2, 2, 1]);
      expect(pages.flat()).to.deep.equal([...ids].sort().reverse());
    });

    it('filters by reference, by status, and by both, paging through the filter', async () => {
      const reference = `filter-${newId('msg')}`;
      const base = fx.now().getTime();
      const cancelled: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        const p = await created({ reference }, new Date(base + i * 10));
        await move(p, { type: 'cancel' });
        cancelled.push(p.id);
      }
      const open = await created({ reference }, new Date(base + 100));
      const elsewhere = await created({}, new Date(base + 200));

      const byReference = await allPages({ reference, limit: 10 });
      expect(byReference.flat()).to.deep.equal([open.id, ...[...cancelled].reverse()]);

      const cancelledHere = await allPages({ reference, status: 'cancelled', limit: 2 });
      expect(cancelledHere.map((page) => page.length)).to.deep.equal([2, 2, 1]);
      expect(cancelledHere.flat()).to.deep.equal([...cancelled].reverse());

      const createdHere = await store.listPayments({ reference, status: 'created', limit: 10 });
      expect(createdHere.items.map((p) => p.id)).to.deep.equal([open.id]);
      expect(createdHere.nextCursor).to.equal(null);

      expect((await store.listPayments({ reference, status: 'succeeded', limit: 10 })).items).to.deep.equal([]);

      expect(await allPages({ status: 'created', limit: 1 })).to.deep.equal([[elsewhere.id], [open.id]]);
      expect((await allPages({ status: 'cancelled', limit: 4 })).flat()).to.deep.equal([...cancelled].reverse());
    });

    it('lists the payments as they stand now', async () => {
      const reference = `now-${newId('msg')}`;
      const pending = await startAttempt(await created({ reference }));
      expect((await store.listPayments({ reference, limit: 5 })).items).to.deep.equal([pending]);
      expect((await store.listPayments({ reference, status: 'pending', limit: 5 })).items).to.deep.equal([pending]);
      expect((await store.listPayments({ reference, status: 'created', limit: 5 })).items).to.deep.equal([]);
    });

    it('rejects a cursor it did not make', async () => {
      let caught: unknown;
      try {
        await store.listPayments({ limit: 5, cursor: 'not-a-cursor' });
      } catch (err) {
        caught = err;
      }
      expect(caught).to.be.instanceOf(ValidationError);
    });
  });

  describe('claimDueForExpiry', () => {
    const LEASE_MS = 30_000;

    it('claims only open payments past their expiry, oldest expiry first, up to the limit, with the payments as stored', async () => {
      const base = fx.now().getTime();
      const early = await created({}, new Date(base));
      const pending = await startAttempt(await created({}, new Date(base + 1000)));
      const failed = await bankSays(await startAttempt(await created({}, new Date(base + 2000))), 'refused');
      await bankSays(await startAttempt(await created({}, new Date(base))), 'authorised');
      await move(await created({}, new Date(base)), { type: 'cancel' });
      const expired = await created({}, new Date(base));
      await move(expired, { type: 'expire' }, afterExpiry(expired));
      const notYet = await created({}, new Date(base + 10 * 60_000));

      const now = new Date(base + TTL_MS + 5000);
      const first = await store.claimDueForExpiry(now, 2, LEASE_MS);
      expect(first.payments).to.deep.equal([early, pending]);
      const second = await store.claimDueForExpiry(now, 100, LEASE_MS);
      expect(claimedIds(second), 'the first two are held by the first claim').to.deep.equal([failed.id]);
      expect(second.nextDueAt, 'the next due time is the end of the leases').to.deep.equal(new Date(now.getTime() + LEASE_MS));
      expect(claimedIds(await store.claimDueForExpiry(now, 100, LEASE_MS)), 'nothing left to claim').to.deep.equal([]);
      // Once those three are expired, the not-yet-due payment is next.
      for (const payment of [early, pending, failed]) await move(payment, { type: 'expire' }, now);
      expect((await store.claimDueForExpiry(now, 100, LEASE_MS)).nextDueAt).to.deep.equal(new Date(notYet.expiresAt));
    });

    it('hands a claimed payment out again once its lease has run out (its claimant died)', async () => {
      const stored = await created();
      const at = afterExpiry(stored);
      expect(claimedIds(await store.claimDueForExpiry(at, 10, LEASE_MS))).to.deep.equal([stored.id]);
      const held = await store.claimDueForExpiry(new Date(at.getTime() + LEASE_MS - 1), 10, LEASE_MS);
      expect(claimedIds(held)).to.deep.equal([]);
      expect(held.nextDueAt, 'due again when the lease ends').to.deep.equal(new Date(at.getTime() + LEASE_MS));
      expect(claimedIds(await store.claimDueForExpiry(new Date(at.getTime() + LEASE_MS), 10, LEASE_MS))).to.deep.equal([stored.id]);
    });

    it('a claim leases the work, not the payment: another change commits, and the payment is due again by its own expiry', async () => {
      const stored = await created();
      const at = afterExpiry(stored);
      await store.claimDueForExpiry(at, 10, LEASE_MS);
      const cancelled = await move(stored, { type: 'cancel' }, at);
      expect(cancelled.status).to.equal('cancelled');
      const other = await created();
      await store.claimDueForExpiry(afterExpiry(other), 10, LEASE_MS);
      const pending = await startAttempt(other);
      expect(claimedIds(await store.claimDueForExpiry(afterExpiry(other), 10, LEASE_MS))).to.deep.equal([pending.id]);
    });

    it('says when nothing is open, and refuses a limit or lease that is not a positive integer', async () => {
      expect(await store.claimDueForExpiry(fx.now(), 10, LEASE_MS)).to.deep.equal({ payments: [], nextDueAt: null });
      for (const [limit, lease] of [[0, LEASE_MS], [1.5, LEASE_MS], [10, 0]] as const) {
        let caught: unknown;
        await store.claimDueForExpiry(fx.now(), limit, lease).catch((err: unknown) => (caught = err));
        expect(caught, `limit ${limit}, lease ${lease}`).to.be.instanceOf(RangeError);
      }
    });

    it('gives concurrent claimants disjoint payments that together are every due one', async () => {
      const base = fx.now().getTime();
      const due = await Promise.all(Array.from({ length: 30 }, (_, i) => created({}, new Date(base + i))));
      const now = new Date(base + TTL_MS + 1000);
      const claims = await Promise.all(Array.from({ length: 8 }, () => store.claimDueForExpiry(now, 5, LEASE_MS)));
      const all = claims.flatMap(claimedIds);
      expect(all.length, 'no payment in two claims').to.equal(new Set(all).size);
      expect([...all].sort()).to.deep.equal(due.map((p) => p.id).sort());
    });
  });

  describe('claimForReconciliation', () => {
    const AFTER_MS = 10 * 60_000;
    const BACKOFF = { firstAfterMs: AFTER_MS, maxDelayMs: 6 * 3600_000 };

    function reconciledIds(claim: ReconcileClaim): string[] {
      return claim.claimed.map((c) => c.payment.id);
    }

    /** An automatic payment the bank authorised at `at` (succeeded), with a refund asked for then and not yet answered. */
    async function refundPending(at: Date, amount = 300): Promise<Payment> {
      const pending = await startAttempt(await created({}, at), at);
      const attempt = pending.attempts[0]!;
      const paid = await move(pending, { type: 'bank_outcome', outcome: { attemptRef: attempt.ref, status: 'authorised', amount: pending.amount, currency: pending.currency } }, at);
      return move(paid, { type: 'request_refund', refundId: newId('re'), amount }, at);
    }

    it('holds pending payments and pending refunds, each due RECONCILE_AFTER after it began to wait, soonest first, with the payment as stored', async () => {
      const base = fx.now().getTime();
      await created({}, new Date(base));
      const pending = await startAttempt(await created({}, new Date(base)), new Date(base));
      const refunding = await refundPending(new Date(base + 1000));
      await bankSays(await startAttempt(await created({}, new Date(base)), new Date(base)), 'refused');

      const early = await store.claimForReconciliation(new Date(base + AFTER_MS - 1), 10, BACKOFF);
      expect(early.claimed, 'nothing has waited long enough').to.deep.equal([]);
      expect(early.nextDueAt).to.deep.equal(new Date(base + AFTER_MS));

      const now = new Date(base + AFTER_MS + 1000);
      const claim = await store.claimForReconciliation(now, 10, BACKOFF);
      expect(claim.claimed).to.deep.equal([
        { payment: pending, earlierAsks: 0, nextAskAt: new Date(now.getTime() + 2 * AFTER_MS) },
        { payment: refunding, earlierAsks: 0, nextAskAt: new Date(now.getTime() + 2 * AFTER_MS) },
      ]);
      expect(claim.nextDueAt, 'next: the end of those back-offs').to.deep.equal(new Date(now.getTime() + 2 * AFTER_MS));
    });

    it('lets a payment go once the bank has answered: the change that settles it leaves the set', async () => {
      const base = fx.now().getTime();
      const pending = await startAttempt(await created({}, new Date(base)), new Date(base));
      const refunding = await refundPending(new Date(base));
      await bankSays(pending, 'authorised');
      await move(refunding, { type: 'refund_outcome', refundId: refunding.refunds![0]!.id, status: 'succeeded', amount: 300, currency: 'EUR' });
      expect(await store.claimForReconciliation(new Date(base + 100 * AFTER_MS), 10, BACKOFF)).to.deep.equal({ claimed: [], nextDueAt: null });
    });

    it('backs off: each claim holds the payment for twice the wait before (the lease), up to the longest wait', async () => {
      const base = fx.now().getTime();
      const pending = await startAttempt(await created({}, new Date(base)), new Date(base));
      const backoff = { firstAfterMs: AFTER_MS, maxDelayMs: 5 * AFTER_MS };
      let at = base + AFTER_MS;
      const waits: number[] = [];
      for (let ask = 0; ask < 4; ask += 1) {
        const held = await store.claimForReconciliation(new Date(at - 1), 10, backoff);
        expect(held.claimed, `not asked again before its time (ask ${ask})`).to.deep.equal([]);
        expect(held.nextDueAt).to.deep.equal(new Date(at));
        const claim = await store.claimForReconciliation(new Date(at), 10, backoff);
        expect(reconciledIds(claim)).to.deep.equal([pending.id]);
        expect(claim.claimed[0]!.earlierAsks).to.equal(ask);
        const next = claim.claimed[0]!.nextAskAt.getTime();
        waits.push((next - at) / AFTER_MS);
        at = next;
      }
      expect(waits, 'in units of RECONCILE_AFTER').to.deep.equal([2, 4, 5, 5]);
    });

    it('keeps the back-off across a change that still awaits the bank, and starts afresh on a new wait', async () => {
      const base = fx.now().getTime();
      const first = await refundPending(new Date(base));
      const now = new Date(base + AFTER_MS);
      expect(reconciledIds(await store.claimForReconciliation(now, 10, BACKOFF))).to.deep.equal([first.id]);
      const second = await move(first, { type: 'request_refund', refundId: newId('re'), amount: 200 }, now);
      expect(reconciledIds(await store.claimForReconciliation(new Date(now.getTime() + AFTER_MS), 10, BACKOFF)), 'a second pending refund does not cut the back-off short').to.deep.equal([]);
      let settled = second;
      for (const refund of second.refunds!) {
        settled = await move(settled, { type: 'refund_outcome', refundId: refund.id, status: 'succeeded', amount: refund.amount, currency: 'EUR' }, now);
      }
      const later = new Date(now.getTime() + AFTER_MS);
      const third = await move(settled, { type: 'request_refund', refundId: newId('re'), amount: 100 }, later);
      const claim = await store.claimForReconciliation(new Date(later.getTime() + AFTER_MS), 10, BACKOFF);
      expect(claim.claimed).to.deep.equal([{ payment: third, earlierAsks: 0, nextAskAt: new Date(later.getTime() + 3 * AFTER_MS) }]);
    });

    it('gives concurrent claimants disjoint payments that together are every due one', async () => {
      const base = fx.now().getTime();
      const due = await Promise.all(Array.from({ length: 30 }, async (_, i) => startAttempt(await created({}, new Date(base + i)), new Date(base + i))));
      const now = new Date(base + AFTER_MS + 1000);
      const claims = await Promise.all(Array.from({ length: 8 }, () => store.claimForReconciliation(now, 5, BACKOFF)));
      const all = claims.flatMap(reconciledIds);
      expect(all.length, 'no payment in two claims').to.equal(new Set(all).size);
      expect([...all].sort()).to.deep.equal(due.map((p) => p.id).sort());
    });

    it('forgets a payment on request, until a later change leaves it awaiting the bank again', async () => {
      const base = fx.now().getTime();
      const pending = await startAttempt(await created({}, new Date(base)), new Date(base));
      await store.forgetReconciliation(pending.id);
      expect(await store.claimForReconciliation(new Date(base + AFTER_MS), 10, BACKOFF)).to.deep.equal({ claimed: [], nextDueAt: null });
      const again = await startAttempt(pending, new Date(base + 1000));
      expect(again.status).to.equal('pending');
      expect(reconciledIds(await store.claimForReconciliation(new Date(base + 1000 + AFTER_MS), 10, BACKOFF))).to.deep.equal([pending.id]);
    });

    /** Every step of the backfill walk, from '0' back to '0'; how many payments entered the set. */
    async function backfillAll(count: number): Promise<{ added: number; steps: number }> {
      let cursor = '0';
      let added = 0;
      let steps = 0;
      do {
        const step = await store.backfillReconciliation(cursor, count);
        cursor = step.cursor;
        added += step.added;
        steps += 1;
        expect(steps, 'the walk ends').to.be.below(10_000);
      } while (cursor !== '0');
      return { added, steps };
    }

    it('backfill puts back every payment awaiting the bank whose entry is missing, due RECONCILE_AFTER after its last change, and nothing else', async () => {
      const base = fx.now().getTime();
      const lost = await Promise.all(Array.from({ length: 7 }, async (_, i) => startAttempt(await created({}, new Date(base + i)), new Date(base + i))));
      const refunding = await refundPending(new Date(base + 100));
      const kept = await startAttempt(await created({}, new Date(base)), new Date(base));
      await created({}, new Date(base));
      await bankSays(await startAttempt(await created({}, new Date(base)), new Date(base)), 'authorised');
      for (const payment of [...lost, refunding]) await store.forgetReconciliation(payment.id);
      expect(reconciledIds(await store.claimForReconciliation(new Date(base + AFTER_MS + 1000), 10, BACKOFF)), 'the lost ones are never asked about').to.deep.equal([kept.id]);

      // Small steps, so the Redis walk takes several SCANs.
      expect((await backfillAll(2)).added).to.equal(lost.length + 1);
      const now = new Date(base + AFTER_MS + 1000);
      const claim = await store.claimForReconciliation(now, 20, BACKOFF);
      expect([...reconciledIds(claim)].sort(), 'the payment still held by its back-off is not handed out early').to.deep.equal([...lost, refunding].map((p) => p.id).sort());
      for (const c of claim.claimed) expect(c.earlierAsks, 'entered afresh').to.equal(0);
      expect(claim.claimed.find((c) => c.payment.id === refunding.id)!.payment).to.deep.equal(refunding);
    });

    it('backfill is idempotent: a payment already in the set keeps its back-off', async () => {
      const base = fx.now().getTime();
      const pending = await startAttempt(await created({}, new Date(base)), new Date(base));
      const now = new Date(base + AFTER_MS);
      expect(reconciledIds(await store.claimForReconciliation(now, 10, BACKOFF))).to.deep.equal([pending.id]);
      expect((await backfillAll(100)).added).to.equal(0);
      expect(reconciledIds(await store.claimForReconciliation(new Date(now.getTime() + 2 * AFTER_MS - 1), 10, BACKOFF)), 'not asked again before its back-off ends').to.deep.equal([]);
      expect(reconciledIds(await store.claimForReconciliation(new Date(now.getTime() + 2 * AFTER_MS), 10, BACKOFF))).to.deep.equal([pending.id]);
    });

    it('refuses a limit or a wait that is not a positive integer', async () => {
      for (const [limit, first, max] of [[0, AFTER_MS, AFTER_MS], [1.5, AFTER_MS, AFTER_MS], [10, 0, AFTER_MS], [10, AFTER_MS, 0]] as const) {
        let caught: unknown;
        await store.claimForReconciliation(fx.now(), limit, { firstAfterMs: first, maxDelayMs: max }).catch((err: unknown) => (caught = err));
        expect(caught, `limit ${limit}, waits ${first}/${max}`).to.be.instanceOf(RangeError);
      }
    });
  });

  describe('money after the payment', () => {
    const WINDOW_MS = 7 * 24 * 3600_000;
    const LEASE_MS = 30_000;

    /** A manual payment the bank authorised at `at`: its money reserved until captureBefore. */
    async function authorized(at: Date = fx.now()): Promise<Payment> {
      const pending = await startAttempt(await created({ capture: 'manual' }, at), at);
      const attempt = pending.attempts[0]!;
      return move(pending, { type: 'bank_outcome', outcome: { attemptRef: attempt.ref, status: 'authorised', amount: pending.amount, currency: pending.currency }, captureWindowMs: WINDOW_MS }, at);
    }

    it('an authorized payment holds its reference until it is captured (then the succeeded slot) or voided', async () => {
      const held = await authorized();
      expect(held.status).to.equal('authorized');
      const refused = await store.createPayment(draft({ reference: held.reference }));
      expect(refused.kind).to.equal('reference_conflict');
      const captured = await move(held, { type: 'capture', multipleCaptures: false });
      expect(captured.status).to.equal('succeeded');
      expect((await store.createPayment(draft({ reference: held.reference }))).kind, 'a captured payment holds the succeeded slot').to.equal('reference_conflict');

      const other = await authorized();
      await move(other, { type: 'void' });
      expect((await store.createPayment(draft({ reference: other.reference }))).kind, 'a void frees the reference').to.equal('created');
    });

    it('offers an authorized payment to the expiry claim once its captureBefore has passed, not before', async () => {
      const at = fx.now();
      const held = await authorized(at);
      // Past expiresAt (the buyer's deadline) the authorisation is still good: only captureBefore counts.
      expect(claimedIds(await store.claimDueForExpiry(afterExpiry(held), 10, LEASE_MS))).to.deep.equal([]);
      const claim = await store.claimDueForExpiry(afterExpiry(held), 10, LEASE_MS);
      expect(claim.nextDueAt).to.deep.equal(new Date(held.captureBefore!));
      const lapsed = new Date(Date.parse(held.captureBefore!) + 1);
      expect(claimedIds(await store.claimDueForExpiry(lapsed, 10, LEASE_MS))).to.deep.equal([held.id]);
      const expired = await move(held, { type: 'expire' }, lapsed);
      expect(expired.status).to.equal('expired');
      expect((await store.createPayment(draft({ reference: held.reference }))).kind, 'a lapsed authorisation frees the reference').to.equal('created');
      expect(claimedIds(await store.claimDueForExpiry(new Date(lapsed.getTime() + 2 * LEASE_MS), 10, LEASE_MS))).to.not.include(held.id);
    });

    it('finds a payment by each of its refunds, which live inside the payment', async () => {
      const captured = await move(await authorized(), { type: 'capture', multipleCaptures: false });
      expect(await store.getPaymentByRefund('re_unknown')).to.equal(null);
      const first = await move(captured, { type: 'request_refund', refundId: newId('re'), amount: 300 });
      const second = await move(first, { type: 'request_refund', refundId: newId('re'), amount: 200 });
      for (const refund of second.refunds!) expect(await store.getPaymentByRefund(refund.id)).to.deep.equal(second);
      expect((await store.getPayment(second.id))!.refunds!.map((r) => r.amount)).to.deep.equal([300, 200]);
    });

    it('lets only one of two refunds decided from the same version reserve the money', async () => {
      const captured = await move(await authorized(), { type: 'capture', multipleCaptures: false });
      const ctx = { now: fx.now(), newEventId: () => newId('evt') };
      const a = transition(captured, { type: 'request_refund', refundId: newId('re') }, ctx);
      const b = transition(captured, { type: 'request_refund', refundId: newId('re') }, ctx);
      const won = await Promise.all([a, b].map((t) => store.commit({ expectedVersion: captured.version, next: t.payment, events: t.events })));
      expect(won.filter(Boolean)).to.have.length(1);
      expect((await store.getPayment(captured.id))!.refunds).to.have.length(1);
    });
  });

  describe('replaceRemembered', () => {
    it('replaces a live value kept by rememberOnce, and nothing else', async () => {
      const key = newId('msg');
      expect(await store.replaceRemembered(key, 'nothing kept yet')).to.equal(false);
      expect(await store.rememberOnce(key, 'started', 60)).to.equal('started');
      expect(await store.replaceRemembered(key, 'done')).to.equal(true);
      expect(await store.rememberOnce(key, 'again', 60)).to.equal('done');
      const short = newId('msg');
      await store.rememberOnce(short, 'v', 1);
      await fx.elapse(1100);
      expect(await store.replaceRemembered(short, 'late'), 'an expired value is not brought back').to.equal(false);
      expect(await store.rememberOnce(short, 'fresh', 60)).to.equal('fresh');
    });
  });

  describe('rememberOnce and nextSequence', () => {
    it('keeps the first value stored under a key and gives it to every caller', async () => {
      const key = newId('msg');
      expect(await store.rememberOnce(key, 'first', 60)).to.equal('first');
      expect(await store.rememberOnce(key, 'second', 60)).to.equal('first');
      const racing = await Promise.all(Array.from({ length: 10 }, (_, i) => store.rememberOnce(`${key}-race`, `v${i}`, 60)));
      expect(new Set(racing).size).to.equal(1);
    });

    it('counts from 1 per scope, atomically', async () => {
      const scope = newId('msg');
      const values = await Promise.all(Array.from({ length: 20 }, () => store.nextSequence(scope, 60)));
      expect([...values].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(await store.nextSequence(`${scope}-other`, 60)).to.equal(1);
    });
  });

  describe('rememberMessage', () => {
    it('accepts a message id once, then refuses it until it expires', async () => {
      const id = newId('msg');
      const expiresAt = new Date(fx.now().getTime() + 1000);
      expect(await store.rememberMessage(id, expiresAt)).to.equal(true);
      expect(await store.rememberMessage(id, expiresAt)).to.equal(false);
      expect(await store.rememberMessage(newId('msg'), expiresAt)).to.equal(true);
      await fx.elapse(1200);
      expect(await store.rememberMessage(id, new Date(fx.now().getTime() + 60_000))).to.equal(true);
    });

    it('is kept by a commit that carries it, and only when the commit is written, until it expires', async () => {
      const stored = await startAttempt(await created());
      const kept = newId('msg');
      const lost = newId('msg');
      const expiresAt = new Date(fx.now().getTime() + 1000);
      const cancel = transition(stored, { type: 'cancel' }, { now: fx.now(), newEventId: () => newId('evt') });
      expect(await store.commit({ expectedVersion: stored.version - 1, next: cancel.payment, events: cancel.events, message: { id: lost, expiresAt } })).to.equal(false);
      expect(await store.knowsMessage(lost), 'a lost compare-and-set keeps no message id').to.equal(false);
      expect(await store.commit({ expectedVersion: stored.version, next: cancel.payment, events: cancel.events, message: { id: kept, expiresAt } })).to.equal(true);
      expect(await store.knowsMessage(kept)).to.equal(true);
      expect(await store.rememberMessage(kept, expiresAt), 'one id space with rememberMessage').to.equal(false);
      await fx.elapse(1200);
      expect(await store.knowsMessage(kept)).to.equal(false);
    });

    it('lets only one of many concurrent callers claim a message id', async () => {
      const id = newId('msg');
      const expiresAt = new Date(fx.now().getTime() + 60_000);
      const claims = await Promise.all(Array.from({ length: 10 }, () => store.rememberMessage(id, expiresAt)));
      expect(claims.filter(Boolean)).to.have.length(1);
    });
  });
}
