import { randomBytes } from 'node:crypto';
import type { PaymentEvent } from '../core/events.js';
import type { Payment } from '../core/payment.js';
import { assertListLimit, decodeCursor, encodeCursor } from './list-cursor.js';
import { assertClaimArguments, assertEventQuery, attemptRecord, redeliveryTargets, targetsOfEvent } from './outbox-checks.js';
import type {
  ClaimedDelivery,
  CompleteOptions,
  Delivery,
  DeliveryAttemptRecord,
  EventQuery,
  EventWithDeliveries,
  Outbox,
  EventTargets,
} from './outbox.js';

interface StoredEvent {
  event: PaymentEvent;
  occurredMs: number;
  /** The targets the event has deliveries for, in configured order. */
  targets: string[];
  /** False for audit events: delivered like the others, but listed only when the audit events are asked for (they are no payment's). */
  listed: boolean;
}

/** One (target, payment) queue: event ids, oldest first, the head being the one to deliver. */
interface Queue {
  target: string;
  paymentId: string;
  eventIds: string[];
}

interface Lease {
  token: string;
  untilMs: number;
}

/**
 * The outbox in process memory, for MemoryPaymentStore. Same semantics as the Redis layout:
 * a queue per (target, payment), a due time per queue (which doubles as the lease while a claim is
 * out), a lease token per queue. Every method is one synchronous section, so it is atomic; `record`
 * is synchronous so the store can call it inside the section that writes the payment.
 */
export class MemoryOutbox implements Outbox {
  private readonly events = new Map<string, StoredEvent>();
  /** Keyed by deliveryKey(eventId, target). */
  private readonly deliveries = new Map<string, Delivery>();
  /** Keyed by queueMember(target, paymentId). */
  private readonly queues = new Map<string, Queue>();
  /** queue member → when its head is due (ms); only queues with events are here. */
  private readonly due = new Map<string, number>();
  private readonly leases = new Map<string, Lease>();
  /** target → (queue member → when its head failed, ms): the queues waiting for a retry after a failed try. */
  private readonly retrying = new Map<string, Map<string, number>>();
  /**
   * The audit events the audit listing shows (Redis's `evaudit`), bounded like the audit log. Only an
   * index: an event trimmed from it stays in `events`, readable by id, queued and redeliverable.
   */
  private readonly auditListing = new Set<string>();

  constructor(
    readonly targets: readonly string[],
    private readonly clock: () => Date,
    /** The targets audit events are queued for (the channels that archive them); default all. */
    readonly auditTargets: readonly string[] = targets,
    /** The targets of each payment event; default all. */
    readonly eventTargets: EventTargets | undefined = undefined,
  ) {}

  /**
   * Stores the events and queues each for its targets (targetsOfEvent, given the payment as the write
   * leaves it), due now; unlisted ones (audit events) are listed by listEventsWithDeliveries only when
   * it is asked for the audit events. Synchronous on purpose: see the class doc.
   */
  record(events: readonly PaymentEvent[], options: { listed: boolean; payment?: Payment } = { listed: true }): void {
    const now = this.clock();
    for (const event of events) {
      const targets = targetsOfEvent(event, options.payment, this);
      this.events.set(event.id, { event: structuredClone(event), occurredMs: Date.parse(event.occurredAt), targets: [...targets], listed: options.listed });
      for (const target of targets) {
        this.deliveries.set(deliveryKey(event.id, target), {
          eventId: event.id,
          target,
          state: 'pending',
          attempts: [],
          nextAttemptAt: now.toISOString(),
          queuedAt: now.toISOString(),
          deliveredAt: null,
        });
        this.enqueue(target, event.paymentId, event.id, now.getTime(), false);
      }
    }
  }

  /**
   * Records audit events (unlisted with the payments' events) and indexes them in the audit listing,
   * which then keeps only the newest `kept`, as the audit log does: the oldest leave it first, by
   * occurredAt then id, the order Redis ranks `evaudit` in (append-audit.lua trims it the same way).
   */
  recordAudit(events: readonly PaymentEvent[], kept: number): void {
    this.record(events, { listed: false });
    for (const event of events) this.auditListing.add(event.id);
    while (this.auditListing.size > kept) this.auditListing.delete(this.oldestAuditListed());
  }

  private oldestAuditListed(): string {
    let oldest: StoredEvent | undefined;
    for (const id of this.auditListing) {
      const stored = this.events.get(id)!;
      if (!oldest || stored.occurredMs < oldest.occurredMs || (stored.occurredMs === oldest.occurredMs && id < oldest.event.id)) oldest = stored;
    }
    return oldest!.event.id;
  }

  async claim(now: Date, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    assertClaimArguments(limit, leaseMs);
    const nowMs = now.getTime();
    // Due order as a Redis ZSET gives it: by due time, then by member.
    const dueNow = [...this.due]
      .filter(([, dueMs]) => dueMs <= nowMs)
      .sort(([a, aMs], [b, bMs]) => aMs - bMs || (a < b ? -1 : a > b ? 1 : 0));
    const tokenBase = randomBytes(12).toString('base64url');
    const claims: ClaimedDelivery[] = [];
    for (const [member] of dueNow) {
      if (claims.length >= limit) break;
      const queue = this.queues.get(member);
      const head = queue?.eventIds[0];
      const stored = head === undefined ? undefined : this.events.get(head);
      const delivery = queue && head !== undefined ? this.deliveries.get(deliveryKey(head, queue.target)) : undefined;
      if (!queue || !stored || !delivery) {
        this.due.delete(member);
        this.queues.delete(member);
        continue;
      }
      const token = `${tokenBase}.${claims.length + 1}`;
      this.retrying.get(queue.target)?.delete(member);
      this.due.set(member, nowMs + leaseMs);
      this.leases.set(member, { token, untilMs: nowMs + leaseMs });
      claims.push({
        event: structuredClone(stored.event),
        target: queue.target,
        attemptNumber: delivery.attempts.length + 1,
        queuedAt: delivery.queuedAt,
        leaseToken: token,
      });
    }
    return claims;
  }

  async complete(claim: ClaimedDelivery, attempt: DeliveryAttemptRecord, options: CompleteOptions = {}): Promise<boolean> {
    const settled = this.settle(claim, attempt);
    if (!settled) return false;
    settled.state = 'delivered';
    settled.nextAttemptAt = null;
    settled.deliveredAt = this.clock().toISOString();
    this.moveOn(claim);
    if (options.catchUp) this.bringForward(claim.target, options.catchUp);
    return true;
  }

  async fail(claim: ClaimedDelivery, attempt: DeliveryAttemptRecord, retryAt: Date | null): Promise<boolean> {
    const settled = this.settle(claim, attempt);
    if (!settled) return false;
    if (retryAt) {
      const member = queueMember(claim.target, claim.event.paymentId);
      settled.nextAttemptAt = retryAt.toISOString();
      this.due.set(member, retryAt.getTime());
      let waiting = this.retrying.get(claim.target);
      if (!waiting) {
        waiting = new Map();
        this.retrying.set(claim.target, waiting);
      }
      waiting.set(member, this.clock().getTime());
      return true;
    }
    settled.state = 'dead';
    settled.nextAttemptAt = null;
    this.moveOn(claim);
    return true;
  }

  async getEvent(eventId: string): Promise<EventWithDeliveries | null> {
    const stored = this.events.get(eventId);
    return stored ? this.withDeliveries(stored) : null;
  }

  async listEventsWithDeliveries(query: EventQuery): Promise<{ items: EventWithDeliveries[]; nextCursor: string | null }> {
    assertListLimit(query.limit);
    assertEventQuery(query);
    const after = query.cursor === undefined ? null : decodeCursor(query.cursor);
    const afterMs = after === null ? 0 : Number(after.score);
    const matching = [...this.events.values()]
      .filter(({ event, listed }) => (query.audit === true ? this.auditListing.has(event.id) : listed))
      .filter(({ event }) => query.paymentId === undefined || event.paymentId === query.paymentId)
      .filter(({ event }) => query.type === undefined || event.type === query.type)
      .filter(
        ({ event, targets }) =>
          query.deliveryState === undefined || targets.some((t) => this.deliveries.get(deliveryKey(event.id, t))?.state === query.deliveryState),
      )
      // Newest first, ties by id descending, as the Redis adapter lists them.
      .filter(({ event, occurredMs }) => after === null || occurredMs < afterMs || (occurredMs === afterMs && event.id < after.id))
      .sort((a, b) => b.occurredMs - a.occurredMs || (a.event.id < b.event.id ? 1 : -1));
    const page = matching.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((stored) => this.withDeliveries(stored)),
      nextCursor: matching.length > page.length && last ? encodeCursor({ score: String(last.occurredMs), id: last.event.id }) : null,
    };
  }

  async redeliver(eventId: string, now: Date, targets?: readonly string[]): Promise<boolean> {
    const chosen = redeliveryTargets(targets, this.targets);
    const stored = this.events.get(eventId);
    if (!stored) return false;
    const iso = now.toISOString();
    for (const target of chosen) {
      const key = deliveryKey(eventId, target);
      const delivery = this.deliveries.get(key);
      if (delivery) {
        Object.assign(delivery, { state: 'pending', nextAttemptAt: iso, queuedAt: iso, deliveredAt: null });
      } else {
        this.deliveries.set(key, { eventId, target, state: 'pending', attempts: [], nextAttemptAt: iso, queuedAt: iso, deliveredAt: null });
      }
      if (!stored.targets.includes(target)) stored.targets.push(target);
      this.enqueue(target, stored.event.paymentId, eventId, now.getTime(), true);
    }
    return true;
  }

  async pendingCount(): Promise<number> {
    let pending = 0;
    for (const delivery of this.deliveries.values()) if (delivery.state === 'pending') pending += 1;
    return pending;
  }

  /**
   * Appends the event to its queue (once) and makes the queue due at `nowMs`: a new queue always,
   * an existing one only when `hurry` and no live lease holds it (a claimed head must stay claimed).
   */
  private enqueue(target: string, paymentId: string, eventId: string, nowMs: number, hurry: boolean): void {
    const member = queueMember(target, paymentId);
    let queue = this.queues.get(member);
    if (!queue) {
      queue = { target, paymentId, eventIds: [] };
      this.queues.set(member, queue);
    }
    if (!queue.eventIds.includes(eventId)) queue.eventIds.push(eventId);
    const lease = this.leases.get(member);
    const leased = lease !== undefined && lease.untilMs > nowMs;
    if (!this.due.has(member) || (hurry && !leased)) this.due.set(member, nowMs);
  }

  /** Makes up to `limit` of the target's queues waiting for a retry due now, oldest failure first; leased ones are left alone. */
  private bringForward(target: string, limit: number): void {
    const waiting = this.retrying.get(target);
    if (!waiting) return;
    const nowMs = this.clock().getTime();
    const oldestFirst = [...waiting].sort(([a, aMs], [b, bMs]) => aMs - bMs || (a < b ? -1 : a > b ? 1 : 0)).slice(0, limit);
    for (const [member] of oldestFirst) {
      waiting.delete(member);
      const lease = this.leases.get(member);
      const queue = this.queues.get(member);
      const head = queue?.eventIds[0];
      if ((lease && lease.untilMs > nowMs) || !queue || head === undefined || !this.due.has(member)) continue;
      this.due.set(member, Math.min(this.due.get(member) ?? nowMs, nowMs));
      const delivery = this.deliveries.get(deliveryKey(head, target));
      if (delivery?.state === 'pending') delivery.nextAttemptAt = new Date(nowMs).toISOString();
    }
  }

  /** The claim's delivery with the attempt appended, or null (writing nothing) when the lease was lost. */
  private settle(claim: ClaimedDelivery, attempt: DeliveryAttemptRecord): Delivery | null {
    const member = queueMember(claim.target, claim.event.paymentId);
    if (this.leases.get(member)?.token !== claim.leaseToken) return null;
    const delivery = this.deliveries.get(deliveryKey(claim.event.id, claim.target));
    if (!delivery) return null;
    this.leases.delete(member);
    delivery.attempts.push(attemptRecord(attempt));
    return delivery;
  }

  /** Drops the settled head and makes the queue due now, or forgets it when it is empty. */
  private moveOn(claim: ClaimedDelivery): void {
    const member = queueMember(claim.target, claim.event.paymentId);
    this.retrying.get(claim.target)?.delete(member);
    const queue = this.queues.get(member);
    if (queue?.eventIds[0] === claim.event.id) queue.eventIds.shift();
    if (queue && queue.eventIds.length > 0) {
      this.due.set(member, this.clock().getTime());
    } else {
      this.due.delete(member);
      this.queues.delete(member);
    }
  }

  private withDeliveries(stored: StoredEvent): EventWithDeliveries {
    const deliveries: Delivery[] = [];
    for (const target of stored.targets) {
      const delivery = this.deliveries.get(deliveryKey(stored.event.id, target));
      if (delivery) deliveries.push(structuredClone(delivery));
    }
    return { event: structuredClone(stored.event), deliveries };
  }
}

function deliveryKey(eventId: string, target: string): string {
  return `${eventId}|${target}`;
}

function queueMember(target: string, paymentId: string): string {
  return `${target}|${paymentId}`;
}
