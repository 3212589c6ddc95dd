import { expect } from 'chai';
import { ValidationError } from '../../src/core/errors.js';
import type { PaymentEvent } from '../../src/core/events.js';
import { newId } from '../../src/core/ids.js';
import type { Payment } from '../../src/core/payment.js';
import type { GatewayStore } from '../../src/store/gateway-store.js';
import type { ClaimedDelivery, DeliveryAttemptRecord, EventWithDeliveries } from '../../src/store/outbox.js';

/** An empty store under test, with the targets it was configured with. */
export interface OutboxFixture {
  /** Configured with TARGETS. */
  store: GatewayStore;
  /** The same kind of store, configured with no targets. */
  storeWithoutTargets(): GatewayStore;
  /** The store's clock: queues written or settled now are due at this time. */
  now(): Date;
}

export const TARGETS = ['webhook:0', 'webhook:1', 'email'];
const LEASE_MS = 30_000;

/**
 * The Outbox contract, run unchanged against both adapters: what the outbox worker may rely on.
 */
export function outboxContract(setup: (ctx: Mocha.Context) => Promise<OutboxFixture>): void {
  let fx: OutboxFixture;
  let store: GatewayStore;
  const extraStores: GatewayStore[] = [];

  beforeEach(async function () {
    fx = await setup(this);
    store = fx.store;
  });

  afterEach(async () => {
    await store?.close();
    for (const other of extraStores.splice(0)) await other.close();
  });

  /** Comfortably after everything the store has made due so far. */
  function later(ms = 1000): Date {
    return new Date(fx.now().getTime() + ms);
  }

  function event(payment: Payment, type: PaymentEvent['type'], occurredAt: Date = fx.now()): PaymentEvent {
    return { id: newId('evt'), type, paymentId: payment.id, paymentVersion: payment.version, occurredAt: occurredAt.toISOString() };
  }

  /** Creates a payment with its creation event; returns the payment and that event. */
  async function created(at: Date = fx.now(), on: GatewayStore = store): Promise<{ payment: Payment; event: PaymentEvent }> {
    const iso = at.toISOString();
    const payment: Payment = {
      id: newId('pay'),
      version: 1,
      status: 'created',
      amount: 500,
      currency: 'EUR',
      reference: `order-${newId('msg').slice(4, 16)}`,
      description: null,
      customer: null,
      returnUrl: null,
      metadata: {},
      connector: 'native',
      createdAt: iso,
      updatedAt: iso,
      expiresAt: new Date(at.getTime() + 15 * 60_000).toISOString(),
      attempts: [],
      anomalies: [],
    };
    const first = event(payment, 'payment.created', at);
    const outcome = await on.createPayment({ payment, events: [first] });
    expect(outcome.kind).to.equal('created');
    return { payment, event: first };
  }

  /** Commits the next version of the payment with one event (the store does not judge the transition). */
  async function next(
    payment: Payment,
    type: PaymentEvent['type'] = 'payment.cancelled',
    at: Date = fx.now(),
  ): Promise<{ payment: Payment; event: PaymentEvent }> {
    const moved: Payment = { ...payment, version: payment.version + 1, updatedAt: at.toISOString() };
    const e = event(moved, type, at);
    expect(await store.commit({ expectedVersion: payment.version, next: moved, events: [e] })).to.equal(true);
    return { payment: moved, event: e };
  }

  function attempt(status = 200, durationMs = 12): DeliveryAttemptRecord {
    return { at: fx.now().toISOString(), durationMs, status };
  }

  async function claimAll(at: Date = later(), on: GatewayStore = store): Promise<ClaimedDelivery[]> {
    return on.outbox.claim(at, 1000, LEASE_MS);
  }

  function heads(claims: ClaimedDelivery[]): string[] {
    return claims.map((c) => `${c.target} ${c.event.id}`).sort();
  }

  function expected(targets: string[], ...events: PaymentEvent[]): string[] {
    return events.flatMap((e) => targets.map((t) => `${t} ${e.id}`)).sort();
  }

  async function completeAll(claims: ClaimedDelivery[]): Promise<void> {
    for (const c of claims) expect(await store.outbox.complete(c, attempt())).to.equal(true);
  }

  function deliveryOf(found: EventWithDeliveries | null, target: string) {
    const delivery = found?.deliveries.find((d) => d.target === target);
    if (!delivery) throw new Error(`no delivery for ${target}`);
    return delivery;
  }

  describe('writes with the payment', () => {
    it('queues the creation event for every target, pending, and stores it for reading', async () => {
      const { event: first } = await created();
      expect(await store.outbox.pendingCount()).to.equal(TARGETS.length);
      const found = await store.outbox.getEvent(first.id);
      expect(found?.event).to.deep.equal(first);
      expect(found?.deliveries.map((d) => d.target)).to.deep.equal(TARGETS);
      for (const d of found!.deliveries) {
        expect(d).to.deep.include({ eventId: first.id, state: 'pending', attempts: [], deliveredAt: null });
        expect(d.queuedAt).to.equal(fx.now().toISOString());
        expect(d.nextAttemptAt).to.equal(fx.now().toISOString());
      }
      const claims = await claimAll();
      expect(heads(claims)).to.deep.equal(expected(TARGETS, first));
      expect(claims.every((c) => c.attemptNumber === 1 && c.queuedAt === fx.now().toISOString())).to.equal(true);
      expect(claims[0]!.event).to.deep.equal(first);
    });

    it('queues every event of a commit for every target', async () => {
      const { payment, event: first } = await created();
      const moved: Payment = { ...payment, version: 2 };
      const events = [event(moved, 'payment.succeeded'), event(moved, 'payment.anomaly')];
      expect(await store.commit({ expectedVersion: 1, next: moved, events })).to.equal(true);
      expect(await store.outbox.pendingCount()).to.equal(3 * TARGETS.length);
      for (const e of events) expect((await store.outbox.getEvent(e.id))?.deliveries.map((d) => d.state)).to.deep.equal(['pending', 'pending', 'pending']);
      // One queue per (target, payment): the heads are the creation event, the others wait behind it.
      expect(heads(await claimAll())).to.deep.equal(expected(TARGETS, first));
    });

    it('queues nothing for a commit that loses the version check, nor for a refused create', async () => {
      const { payment, event: first } = await created();
      const stale: Payment = { ...payment, version: 5 };
      const lost = event(stale, 'payment.cancelled');
      expect(await store.commit({ expectedVersion: 4, next: stale, events: [lost] })).to.equal(false);
      const refused = { ...payment, id: newId('pay') };
      const outcome = await store.createPayment({ payment: refused, events: [event(refused, 'payment.created')] });
      expect(outcome.kind).to.equal('reference_conflict');

      expect(await store.outbox.pendingCount()).to.equal(TARGETS.length);
      expect(await store.outbox.getEvent(lost.id)).to.equal(null);
      expect((await store.outbox.listEventsWithDeliveries({ limit: 10 })).items.map((i) => i.event.id)).to.deep.equal([first.id]);
      expect(heads(await claimAll())).to.deep.equal(expected(TARGETS, first));
    });

    it('with no targets, keeps the events for reading but queues nothing', async () => {
      const bare = fx.storeWithoutTargets();
      extraStores.push(bare);
      const { event: first } = await created(fx.now(), bare);
      expect(await bare.outbox.getEvent(first.id)).to.deep.equal({ event: first, deliveries: [] });
      expect((await bare.outbox.listEventsWithDeliveries({ limit: 5 })).items).to.deep.equal([{ event: first, deliveries: [] }]);
      expect(await bare.outbox.pendingCount()).to.equal(0);
      expect(await claimAll(later(), bare)).to.deep.equal([]);
      expect(await bare.outbox.redeliver(first.id, fx.now())).to.equal(true);
      expect(await claimAll(later(), bare)).to.deep.equal([]);
    });
  });

  describe('claim', () => {
    it('hands out only queue heads: a payment\'s next event waits until the one before is settled', async () => {
      const { payment, event: e1 } = await created();
      const { payment: p2, event: e2 } = await next(payment, 'payment.pending');
      const { event: e3 } = await next(p2, 'payment.succeeded');

      const first = await claimAll();
      expect(heads(first)).to.deep.equal(expected(TARGETS, e1));
      // The heads are leased: nothing else of this payment is claimable, even much later within the lease.
      expect(await claimAll(later(LEASE_MS - 1000))).to.deep.equal([]);

      await completeAll(first.filter((c) => c.target !== 'email'));
      const second = await claimAll();
      expect(heads(second)).to.deep.equal(expected(['webhook:0', 'webhook:1'], e2));

      // email's head is still e1 (leased); settling it dead moves email on to e2.
      const email = first.find((c) => c.target === 'email')!;
      expect(await store.outbox.fail(email, attempt(500), null)).to.equal(true);
      expect(heads(await claimAll())).to.deep.equal(expected(['email'], e2));

      await completeAll(second);
      expect(heads(await claimAll())).to.deep.equal(expected(['webhook:0', 'webhook:1'], e3));
    });

    it('hands out different payments in parallel, up to the limit', async () => {
      const a = await created();
      const b = await created();
      const c = await created();
      const all = await claimAll();
      expect(heads(all)).to.deep.equal(expected(TARGETS, a.event, b.event, c.event));

      const fresh = await created();
      const limited = await store.outbox.claim(later(), 2, LEASE_MS);
      expect(limited).to.have.length(2);
      expect(limited.every((cl) => cl.event.id === fresh.event.id)).to.equal(true);
      expect(heads(await claimAll())).to.deep.equal(expected(['email', 'webhook:0', 'webhook:1'].filter((t) => !limited.some((l) => l.target === t)), fresh.event));
    });

    it('hands out the queue due earliest first', async () => {
      const a = await created();
      const [aWebhook] = (await claimAll()).filter((c) => c.target === 'webhook:0');
      expect(await store.outbox.fail(aWebhook!, attempt(502), later(100))).to.equal(true);
      const b = await created();
      // b's queues are due now, a's webhook:0 queue in 100 ms.
      const [first] = await store.outbox.claim(later(200), 1, LEASE_MS);
      expect(first?.event.id).to.equal(b.event.id);
      const rest = await store.outbox.claim(later(200), 10, LEASE_MS);
      expect(rest.map((c) => c.event.id).slice(0, 2)).to.deep.equal([b.event.id, b.event.id]);
      expect(rest.map((c) => `${c.target} ${c.event.id}`)[2]).to.equal(`webhook:0 ${a.event.id}`);
    });

    it('hides a queue under a live lease from another claimer, and hands it over when the lease ends', async () => {
      const { event: e1 } = await created();
      const t0 = later();
      const mine = await store.outbox.claim(t0, 10, LEASE_MS);
      expect(mine).to.have.length(TARGETS.length);
      expect(await store.outbox.claim(new Date(t0.getTime() + LEASE_MS - 1), 10, LEASE_MS)).to.deep.equal([]);

      const theirs = await store.outbox.claim(new Date(t0.getTime() + LEASE_MS), 10, LEASE_MS);
      expect(heads(theirs)).to.deep.equal(expected(TARGETS, e1));
      expect(theirs.every((c) => c.attemptNumber === 1)).to.equal(true);
      expect(new Set([...mine, ...theirs].map((c) => c.leaseToken)).size).to.equal(2 * TARGETS.length);

      // The first claimer's lease is gone: its results are refused and write nothing.
      const lateClaim = mine[0]!;
      expect(await store.outbox.complete(lateClaim, attempt())).to.equal(false);
      expect(await store.outbox.fail(mine[1]!, attempt(500), null)).to.equal(false);
      expect(await store.outbox.fail(mine[2]!, attempt(500), later(5000))).to.equal(false);
      const untouched = await store.outbox.getEvent(e1.id);
      expect(untouched?.deliveries.map((d) => [d.state, d.attempts.length])).to.deep.equal(TARGETS.map(() => ['pending', 0]));
      expect(await store.outbox.pendingCount()).to.equal(TARGETS.length);

      // The new holder settles normally.
      await completeAll(theirs);
      expect((await store.outbox.getEvent(e1.id))?.deliveries.map((d) => d.state)).to.deep.equal(['delivered', 'delivered', 'delivered']);
      expect(await store.outbox.pendingCount()).to.equal(0);
      expect(await claimAll(later(10 * LEASE_MS))).to.deep.equal([]);
    });

    it('refuses a claim without a positive limit and lease', async () => {
      for (const [limit, lease] of [[0, LEASE_MS], [1.5, LEASE_MS], [10, 0]] as const) {
        let caught: unknown;
        await store.outbox.claim(later(), limit, lease).catch((err: unknown) => (caught = err));
        expect(caught, `${limit}, ${lease}`).to.be.instanceOf(RangeError);
      }
    });
  });

  describe('complete and fail', () => {
    it('records attempts in order, with status, error and duration, and numbers the tries', async () => {
      const { payment, event: e1 } = await created();
      await next(payment);
      const start = fx.now().getTime();
      const tries: DeliveryAttemptRecord[] = [
        { at: new Date(start + 1).toISOString(), durationMs: 10_000, error: 'timeout' },
        { at: new Date(start + 2).toISOString(), durationMs: 35, status: 503 },
        { at: new Date(start + 3).toISOString(), durationMs: 4, error: 'connection refused' },
        { at: new Date(start + 4).toISOString(), durationMs: 21, status: 200 },
      ];
      for (const [i, record] of tries.entries()) {
        const [claim] = (await claimAll(later(i * 1000))).filter((c) => c.target === 'webhook:1');
        expect(claim?.event.id).to.equal(e1.id);
        expect(claim?.attemptNumber).to.equal(i + 1);
        const settled =
          i < tries.length - 1
            ? await store.outbox.fail(claim!, record, later(i * 1000 + 500))
            : await store.outbox.complete(claim!, record);
        expect(settled).to.equal(true);
      }
      const delivery = deliveryOf(await store.outbox.getEvent(e1.id), 'webhook:1');
      expect(delivery.attempts).to.deep.equal(tries);
      expect(delivery.state).to.equal('delivered');
      expect(delivery.nextAttemptAt).to.equal(null);
      expect(delivery.deliveredAt).to.equal(fx.now().toISOString());
      expect(delivery.queuedAt).to.equal(fx.now().toISOString());
    });

    it('makes a failed queue due exactly at the retry time, not before', async () => {
      const { payment } = await created();
      // A later event of the payment must not overtake the one waiting for its retry.
      await next(payment);
      const [claim] = (await claimAll()).filter((c) => c.target === 'email');
      const retryAt = later(120_000);
      expect(await store.outbox.fail(claim!, { at: fx.now().toISOString(), durationMs: 3, error: 'smtp 451' }, retryAt)).to.equal(true);

      const failed = deliveryOf(await store.outbox.getEvent(claim!.event.id), 'email');
      expect(failed).to.deep.include({ state: 'pending', nextAttemptAt: retryAt.toISOString(), deliveredAt: null });
      expect(failed.attempts).to.deep.equal([{ at: fx.now().toISOString(), durationMs: 3, error: 'smtp 451' }]);

      const before = await store.outbox.claim(new Date(retryAt.getTime() - 1), 10, LEASE_MS);
      expect(before.filter((c) => c.target === 'email')).to.deep.equal([]);
      const due = (await store.outbox.claim(retryAt, 10, LEASE_MS)).filter((c) => c.target === 'email');
      expect(due.map((c) => [c.event.id, c.attemptNumber])).to.deep.equal([[claim!.event.id, 2]]);
    });

    it('marks a delivery dead on a final failure and moves its queue on at once', async () => {
      const { payment, event: e1 } = await created();
      const { event: e2 } = await next(payment);
      const claims = await claimAll();
      const webhook = claims.find((c) => c.target === 'webhook:0')!;
      expect(await store.outbox.fail(webhook, attempt(410), null)).to.equal(true);

      const dead = deliveryOf(await store.outbox.getEvent(e1.id), 'webhook:0');
      expect(dead).to.deep.include({ state: 'dead', nextAttemptAt: null, deliveredAt: null });
      expect(dead.attempts.map((a) => a.status)).to.deep.equal([410]);
      expect(heads(await store.outbox.claim(fx.now(), 10, LEASE_MS))).to.deep.equal(expected(['webhook:0'], e2));
      expect(await store.outbox.pendingCount()).to.equal(2 * TARGETS.length - 1);
    });

    it('forgets a queue once its last event is settled', async () => {
      const { event: e1 } = await created();
      await completeAll(await claimAll());
      expect(await claimAll(later(100 * LEASE_MS))).to.deep.equal([]);
      expect(await store.outbox.pendingCount()).to.equal(0);
      expect((await store.outbox.getEvent(e1.id))?.deliveries.every((d) => d.state === 'delivered')).to.equal(true);
    });

    it('refuses a second settlement of the same claim', async () => {
      await created();
      const [claim] = await claimAll();
      expect(await store.outbox.complete(claim!, attempt())).to.equal(true);
      expect(await store.outbox.complete(claim!, attempt())).to.equal(false);
      expect(await store.outbox.fail(claim!, attempt(500), null)).to.equal(false);
    });
  });

  describe('complete with catchUp (an endpoint answering again)', () => {
    const FAR = 3600_000;

    /** Three payments; the first try of each failed on webhook:0 and webhook:1 with a retry an hour away. */
    async function backlog(): Promise<{ events: PaymentEvent[]; retryAt: Date }> {
      const made = [await created(), await created(), await created()];
      const retryAt = later(FAR);
      for (const claim of await claimAll()) {
        if (claim.target === 'email') continue;
        expect(await store.outbox.fail(claim, attempt(503), retryAt)).to.equal(true);
      }
      return { events: made.map((m) => m.event), retryAt };
    }

    it("makes the target's queues waiting for a retry due now, keeping their retry window, and leaves other targets alone", async () => {
      const { events, retryAt } = await backlog();
      const { event: fresh } = await created();
      const [success] = (await claimAll()).filter((c) => c.target === 'webhook:0' && c.event.id === fresh.id);
      expect(await store.outbox.complete(success!, attempt(), { catchUp: 10 })).to.equal(true);

      const due = (await claimAll(later(1000))).filter((c) => c.target !== 'email');
      expect(heads(due), 'the webhook:0 backlog is due now; webhook:1 still backs off').to.deep.equal(expected(['webhook:0'], ...events));
      for (const claim of due.filter((c) => c.target === 'webhook:0')) {
        expect(claim.attemptNumber).to.equal(2);
        expect(claim.queuedAt, 'the retry window still counts from the first queuing').to.equal(fx.now().toISOString());
      }
      const waiting = deliveryOf(await store.outbox.getEvent(events[0]!.id), 'webhook:1');
      expect(waiting.nextAttemptAt).to.equal(retryAt.toISOString());
    });

    it('records the new due time of a brought-forward delivery', async () => {
      const { events } = await backlog();
      const { event: fresh } = await created();
      const [success] = (await claimAll()).filter((c) => c.target === 'webhook:0' && c.event.id === fresh.id);
      await store.outbox.complete(success!, attempt(), { catchUp: 10 });
      const brought = deliveryOf(await store.outbox.getEvent(events[1]!.id), 'webhook:0');
      expect(brought).to.deep.include({ state: 'pending', nextAttemptAt: fx.now().toISOString() });
    });

    it('without catchUp, or with 0, a success brings nothing forward', async () => {
      await backlog();
      const { event: fresh } = await created();
      const claims = (await claimAll()).filter((c) => c.event.id === fresh.id);
      expect(await store.outbox.complete(claims.find((c) => c.target === 'webhook:0')!, attempt())).to.equal(true);
      expect(await store.outbox.complete(claims.find((c) => c.target === 'webhook:1')!, attempt(), { catchUp: 0 })).to.equal(true);
      expect((await claimAll(later(1000))).filter((c) => c.target !== 'email')).to.deep.equal([]);
    });

    it('brings forward at most catchUp queues per success; the next success brings the rest', async () => {
      const { events } = await backlog();
      const first = await created();
      const second = await created();
      const claims = (await claimAll()).filter((c) => c.target === 'webhook:0' && c.event.id !== events[0]!.id);
      const successes = claims.filter((c) => c.event.id === first.event.id || c.event.id === second.event.id);
      expect(successes).to.have.length(2);
      await store.outbox.complete(successes[0]!, attempt(), { catchUp: 2 });
      const afterOne = (await store.outbox.claim(later(1000), 100, LEASE_MS)).filter((c) => c.target === 'webhook:0');
      expect(afterOne).to.have.length(2);
      await store.outbox.complete(successes[1]!, attempt(), { catchUp: 2 });
      const afterTwo = (await store.outbox.claim(later(2000), 100, LEASE_MS)).filter((c) => c.target === 'webhook:0');
      expect([...afterOne, ...afterTwo].map((c) => c.event.id).sort()).to.deep.equal(events.map((e) => e.id).sort());
    });

    it('leaves a queue under a live lease with its holder', async () => {
      const { event: e1 } = await created();
      const { event: fresh } = await created();
      const firstTry = (await claimAll()).filter((c) => c.target === 'webhook:0');
      const failing = firstTry.find((c) => c.event.id === e1.id)!;
      const succeeding = firstTry.find((c) => c.event.id === fresh.id)!;
      expect(await store.outbox.fail(failing, attempt(503), later(500))).to.equal(true);
      // The retry is claimed (leased) before the other try succeeds.
      const retry = (await store.outbox.claim(later(500), 10, LEASE_MS)).filter((c) => c.target === 'webhook:0');
      expect(retry.map((c) => c.event.id)).to.deep.equal([e1.id]);
      expect(await store.outbox.complete(succeeding, attempt(), { catchUp: 10 })).to.equal(true);
      expect((await store.outbox.claim(later(1000), 10, LEASE_MS)).filter((c) => c.target === 'webhook:0'), 'still leased').to.deep.equal([]);
      expect(await store.outbox.complete(retry[0]!, attempt())).to.equal(true);
    });
  });

  describe('redeliver', () => {
    it('queues a delivered and a dead event again, due now, keeping their attempts', async () => {
      const { event: e1 } = await created();
      const claims = await claimAll();
      for (const c of claims) {
        expect(c.target === 'email' ? await store.outbox.fail(c, attempt(550), null) : await store.outbox.complete(c, attempt())).to.equal(true);
      }
      expect(await store.outbox.pendingCount()).to.equal(0);

      const at = later(5000);
      expect(await store.outbox.redeliver(e1.id, at)).to.equal(true);
      expect(await store.outbox.pendingCount()).to.equal(TARGETS.length);
      const requeued = await store.outbox.getEvent(e1.id);
      for (const d of requeued!.deliveries) {
        expect(d).to.deep.include({ state: 'pending', nextAttemptAt: at.toISOString(), queuedAt: at.toISOString(), deliveredAt: null });
        expect(d.attempts).to.have.length(1);
      }
      expect(await store.outbox.claim(new Date(at.getTime() - 1), 10, LEASE_MS)).to.deep.equal([]);
      const again = await store.outbox.claim(at, 10, LEASE_MS);
      expect(heads(again)).to.deep.equal(expected(TARGETS, e1));
      expect(again.every((c) => c.attemptNumber === 2 && c.queuedAt === at.toISOString())).to.equal(true);
      await completeAll(again);
      const twice = await store.outbox.getEvent(e1.id);
      expect(twice!.deliveries.map((d) => [d.state, d.attempts.map((a) => a.status)])).to.deep.equal([
        ['delivered', [200, 200]],
        ['delivered', [200, 200]],
        ['delivered', [550, 200]],
      ]);
    });

    it('puts a redelivered event behind the payment\'s later events, and never queues it twice', async () => {
      const { payment, event: e1 } = await created();
      await completeAll(await claimAll());
      const { event: e2 } = await next(payment);
      expect(await store.outbox.redeliver(e1.id, fx.now())).to.equal(true);
      expect(await store.outbox.redeliver(e1.id, fx.now())).to.equal(true);
      expect(await store.outbox.pendingCount()).to.equal(2 * TARGETS.length);
      const first = await claimAll();
      expect(heads(first)).to.deep.equal(expected(TARGETS, e2));
      await completeAll(first);
      const second = await claimAll();
      expect(heads(second)).to.deep.equal(expected(TARGETS, e1));
      await completeAll(second);
      expect(await claimAll(later(100 * LEASE_MS))).to.deep.equal([]);
    });

    it('leaves a head under a live lease with its holder', async () => {
      const { event: e1 } = await created();
      const mine = await claimAll();
      expect(await store.outbox.redeliver(e1.id, later())).to.equal(true);
      expect(await claimAll(later(2000))).to.deep.equal([]);
      await completeAll(mine);
      expect(await store.outbox.pendingCount()).to.equal(0);
    });

    it('queues again only the targets asked for, leaving the other deliveries as they are', async () => {
      const { event: e1 } = await created();
      await completeAll(await claimAll());
      const before = await store.outbox.getEvent(e1.id);

      const at = later(5000);
      expect(await store.outbox.redeliver(e1.id, at, ['webhook:1'])).to.equal(true);
      expect(await store.outbox.pendingCount()).to.equal(1);
      const after = await store.outbox.getEvent(e1.id);
      expect(deliveryOf(after, 'webhook:1')).to.deep.include({ state: 'pending', nextAttemptAt: at.toISOString(), queuedAt: at.toISOString(), deliveredAt: null });
      for (const target of ['webhook:0', 'email']) expect(deliveryOf(after, target), target).to.deep.equal(deliveryOf(before, target));
      expect(heads(await store.outbox.claim(at, 10, LEASE_MS))).to.deep.equal(expected(['webhook:1'], e1));
    });

    it('refuses a target that is not configured, changing nothing', async () => {
      const { event: e1 } = await created();
      await completeAll(await claimAll());
      const refused = await store.outbox.redeliver(e1.id, later(), ['webhook:0', 'email:buyer']).then(
        () => null,
        (err: unknown) => err,
      );
      expect(refused).to.be.instanceOf(RangeError);
      expect(await store.outbox.pendingCount()).to.equal(0);
    });

    it('answers false for an unknown event', async () => {
      expect(await store.outbox.redeliver(newId('evt'), fx.now())).to.equal(false);
      expect(await store.outbox.getEvent(newId('evt'))).to.equal(null);
    });
  });

  describe('listEventsWithDeliveries', () => {
    async function allPages(query: Parameters<GatewayStore['outbox']['listEventsWithDeliveries']>[0]): Promise<string[][]> {
      const pages: string[][] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 50; i += 1) {
        const page = await store.outbox.listEventsWithDeliveries(cursor === undefined ? query : { ...query, cursor });
        pages.push(page.items.map((item) => item.event.id));
        if (page.nextCursor === null) return pages;
        cursor = page.nextCursor;
      }
      throw new Error('listing never ended');
    }

    it('pages newest first, ties in one millisecond included, with the deliveries as they stand', async () => {
      const base = fx.now().getTime() - 60_000;
      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1) ids.push((await created(new Date(base + i * 1000))).event.id);
      const tied: string[] = [];
      for (let i = 0; i < 3; i += 1) tied.push((await created(new Date(base + 10_000))).event.id);
      const newestFirst = [...[...tied].sort().reverse(), ...[...ids].reverse()];
      expect(await allPages({ limit: 3 })).to.deep.equal([newestFirst.slice(0, 3), newestFirst.slice(3, 6), newestFirst.slice(6)]);
      expect(await allPages({ limit: 8 })).to.deep.equal([newestFirst]);

      const [item] = (await store.outbox.listEventsWithDeliveries({ limit: 1 })).items;
      expect(item?.deliveries.map((d) => [d.target, d.state])).to.deep.equal(TARGETS.map((t) => [t, 'pending']));
    });

    it('filters by type, by payment and by delivery state, and by all of them together', async () => {
      const one = await created();
      const oneCancelled = await next(one.payment, 'payment.cancelled', later(1));
      const two = await created(later(2));
      const twoPending = await next(two.payment, 'payment.pending', later(3));
      const twoSucceeded = await next(twoPending.payment, 'payment.succeeded', later(4));

      // Deliver one's creation everywhere; kill two's creation on email.
      for (const c of await claimAll(later(10))) {
        if (c.event.id === one.event.id) expect(await store.outbox.complete(c, attempt())).to.equal(true);
        else if (c.target === 'email') expect(await store.outbox.fail(c, attempt(550), null)).to.equal(true);
      }

      expect((await allPages({ limit: 10, type: 'payment.created' })).flat()).to.deep.equal([two.event.id, one.event.id]);
      expect((await allPages({ limit: 1, paymentId: two.payment.id })).flat()).to.deep.equal([twoSucceeded.event.id, twoPending.event.id, two.event.id]);
      expect((await allPages({ limit: 2, deliveryState: 'delivered' })).flat()).to.deep.equal([one.event.id]);
      expect((await allPages({ limit: 2, deliveryState: 'dead' })).flat()).to.deep.equal([two.event.id]);
      // Any delivery in the state counts: two's creation is still pending on the webhooks.
      expect((await allPages({ limit: 2, deliveryState: 'pending' })).flat()).to.deep.equal([
        twoSucceeded.event.id,
        twoPending.event.id,
        two.event.id,
        oneCancelled.event.id,
      ]);
      expect((await allPages({ limit: 2, paymentId: two.payment.id, type: 'payment.created', deliveryState: 'dead' })).flat()).to.deep.equal([
        two.event.id,
      ]);
      expect((await allPages({ limit: 2, paymentId: one.payment.id, deliveryState: 'dead' })).flat()).to.deep.equal([]);
      expect((await allPages({ limit: 2, paymentId: newId('pay') })).flat()).to.deep.equal([]);

      const [dead] = (await store.outbox.listEventsWithDeliveries({ limit: 1, deliveryState: 'dead' })).items;
      expect(dead?.deliveries.map((d) => d.state)).to.deep.equal(['pending', 'pending', 'dead']);
      expect(deliveryOf(dead!, 'email').attempts).to.deep.equal([attempt(550)]);
    });

    it('rejects a cursor it did not make and a limit below one', async () => {
      let badCursor: unknown;
      await store.outbox.listEventsWithDeliveries({ limit: 5, cursor: 'nope' }).catch((err: unknown) => (badCursor = err));
      expect(badCursor).to.be.instanceOf(ValidationError);
      let badLimit: unknown;
      await store.outbox.listEventsWithDeliveries({ limit: 0 }).catch((err: unknown) => (badLimit = err));
      expect(badLimit).to.be.instanceOf(RangeError);
    });
  });

  describe('copies', () => {
    it('hands out copies: changing what was read changes nothing stored', async () => {
      const { event: e1 } = await created();
      const read = await store.outbox.getEvent(e1.id);
      read!.event.type = 'payment.succeeded';
      read!.deliveries[0]!.attempts.push(attempt());
      const [claim] = await claimAll();
      claim!.event.paymentVersion = 99;
      expect(await store.outbox.getEvent(e1.id)).to.deep.include({ event: e1 });
      expect((await store.outbox.getEvent(e1.id))!.deliveries[0]!.attempts).to.deep.equal([]);
    });
  });
}
