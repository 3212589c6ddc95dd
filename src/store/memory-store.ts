import { REFUSED_MESSAGES_KEPT, type RefusedBankMessage } from '../core/refused-bank-message.js';
import { matchesFilter } from '../core/payment-filter.js';
import type { PaymentEvent } from '../core/events.js';
import { awaitsBankAnswer, expiryDueAt, holdsOpenSlot, type Payment } from '../core/payment.js';
import { assertListLimit, decodeCursor, encodeCursor } from './list-cursor.js';
import { MemoryAuditStore } from './memory-audit-store.js';
import { MemoryOutbox } from './memory-outbox.js';
import type { EventTargets, Outbox } from './outbox.js';
import { assertClaimArguments, auditTargetsOf, checkOutboxTargets } from './outbox-checks.js';
import { assertReconcileArguments, reconcileWaitMs } from './reconcile-backoff.js';
import type { GatewayStore } from './gateway-store.js';
import type {
  CommitInput,
  CreateOutcome,
  CreatePaymentInput,
  ExpiryClaim,
  IdempotencyRecord,
  ListQuery,
  PaymentPage,
  ReconcileBackfillStep,
  ReconcileBackoff,
  ReconcileClaim,
} from './payment-store.js';

export interface MemoryPaymentStoreOptions {
  /**
   * Decides when idempotency records and remembered message ids have expired, and when outbox
   * entries were queued, delivered and are due after a write.
   */
  clock?: () => Date;
  /** Where every event is delivered (`webhook:0`, `email`); default none (events are still kept for the API). */
  outboxTargets?: string[];
  /** Where audit events are delivered (see RedisPaymentStoreOptions.auditTargets); default all outboxTargets. */
  auditTargets?: string[];
  /** Which targets each payment event is queued for (see RedisPaymentStoreOptions.eventTargets); default all. */
  eventTargets?: EventTargets;
}

interface Expiring<T> {
  value: T;
  expiresAtMs: number;
}

// A sweep walks every entry, so it runs at most once a minute; reads check expiry on their own.
const SWEEP_INTERVAL_MS = 60_000;

/**
 * PaymentStore in process memory: the embedded default, and the reference the Redis adapter is
 * tested against. Everything is lost on restart and nothing is shared between processes.
 *
 * Atomicity comes from the event loop: a synchronous block runs to the end before any other
 * callback, so each method does its whole read-check-write with no `await` in between. The outbox
 * (memory-outbox.ts) is written inside the same sections: a payment change and its queued
 * notifications exist together or not at all.
 */
export class MemoryPaymentStore implements GatewayStore {
  readonly kind = 'memory' as const;
  private readonly clock: () => Date;
  private readonly payments = new Map<string, Payment>();
  private readonly events = new Map<string, PaymentEvent[]>();
  private readonly attemptIndex = new Map<string, string>();
  /** refund id → payment id (the refund itself lives in its payment). */
  private readonly refundIndex = new Map<string, string>();
  /** reference → id of the open (or authorized) payment holding it. */
  private readonly openSlots = new Map<string, string>();
  /** reference → id of the payment that succeeded for it. */
  private readonly succeededSlots = new Map<string, string>();
  private readonly idempotency = new Map<string, Expiring<IdempotencyRecord>>();
  private readonly messages = new Map<string, Expiring<true>>();
  /** payment id → its verified bank messages refused, newest first, at most REFUSED_MESSAGES_KEPT. */
  private readonly refusals = new Map<string, RefusedBankMessage[]>();
  /** Where the writes below queue each event for delivery; the worker and the events API read and settle it. */
  readonly outbox: Outbox;
  /** The same outbox, with the synchronous write the sections below call. */
  private readonly queue: MemoryOutbox;
  /** Who did what; each entry's audit.recorded event is queued in the outbox as it is appended. */
  readonly auditLog: MemoryAuditStore;
  /** payment id → end of the expiry claim on it (ms); a commit of the payment ends it, as in Redis. */
  private readonly expiryClaims = new Map<string, number>();
  /**
   * payment id → its place in the reconciliation set, as in Redis: `score` is when its next ask is
   * due less RECONCILE_AFTER (on entry: when it began to await the bank), `asks` the claims so far.
   */
  private readonly reconciling = new Map<string, { score: number; asks: number }>();
  private lastSweepMs = 0;

  private readonly sequences = new Map<string, { value: number; expiresAtMs: number }>();
  private readonly remembered = new Map<string, { value: string; expiresAtMs: number }>();

  constructor(options: MemoryPaymentStoreOptions = {}) {
    this.clock = options.clock ?? (() => new Date());
    const targets = checkOutboxTargets(options.outboxTargets ?? []);
    this.queue = new MemoryOutbox(targets, this.clock, options.auditTargets ? auditTargetsOf(options.auditTargets, targets) : targets, options.eventTargets);
    this.outbox = this.queue;
    this.auditLog = new MemoryAuditStore(undefined, this.queue);
  }

  async createPayment(input: CreatePaymentInput): Promise<CreateOutcome> {
    // One synchronous section from here to the return: no other call can interleave.
    const nowMs = this.clock().getTime();
    this.sweep(nowMs);
    const { payment } = input;

    if (input.idempotency) {
      const remembered = this.live(this.idempotency, input.idempotency.key, nowMs);
      if (remembered) {
        return remembered.fingerprint === input.idempotency.fingerprint
          ? { kind: 'replayed', payment: structuredClone(remembered.payment) }
          : { kind: 'idempotency_mismatch' };
      }
    }

    const holderId = this.openSlots.get(payment.reference) ?? this.succeededSlots.get(payment.reference);
    const holder = holderId === undefined ? undefined : this.payments.get(holderId);
    if (holder) return { kind: 'reference_conflict', existing: structuredClone(holder) };

    const stored = structuredClone(payment);
    this.payments.set(stored.id, stored);
    this.events.set(stored.id, structuredClone(input.events));
    this.queue.record(input.events, { listed: true, payment: stored });
    if (input.audit) this.auditLog.appendNow(input.audit);
    this.index(stored);
    if (input.idempotency) {
      const { key, fingerprint, ttlSeconds } = input.idempotency;
      this.idempotency.set(key, {
        value: { fingerprint, payment: structuredClone(payment) },
        expiresAtMs: nowMs + ttlSeconds * 1000,
      });
    }
    return { kind: 'created', payment: structuredClone(stored) };
  }

  async getPayment(id: string): Promise<Payment | null> {
    const payment = this.payments.get(id);
    return payment ? structuredClone(payment) : null;
  }

  async getPaymentByAttempt(attemptRef: string): Promise<Payment | null> {
    const id = this.attemptIndex.get(attemptRef);
    return id === undefined ? null : this.getPayment(id);
  }

  async getPaymentByRefund(refundId: string): Promise<Payment | null> {
    const id = this.refundIndex.get(refundId);
    return id === undefined ? null : this.getPayment(id);
  }

  async commit(input: CommitInput): Promise<boolean> {
    // Compare and set in one synchronous section: the version cannot move between check and write.
    const current = this.payments.get(input.next.id);
    if (!current || current.version !== input.expectedVersion) return false;
    const next = structuredClone(input.next);
    this.payments.set(next.id, next);
    const log = this.events.get(next.id) ?? [];
    log.push(...structuredClone(input.events));
    this.events.set(next.id, log);
    this.queue.record(input.events, { listed: true, payment: next });
    this.index(next);
    if (input.message) this.messages.set(input.message.id, { value: true, expiresAtMs: input.message.expiresAt.getTime() });
    if (input.audit) this.auditLog.appendNow(input.audit);
    return true;
  }

  async listPayments(query: ListQuery): Promise<PaymentPage> {
    assertListLimit(query.limit);
    const cursor = query.cursor === undefined ? null : decodeCursor(query.cursor);
    const after = cursor === null ? null : { createdMs: Number(cursor.score), id: cursor.id };
    const matching = [...this.payments.values()]
      .filter((p) => query.reference === undefined || p.reference === query.reference)
      .filter((p) => query.status === undefined || p.status === query.status)
      .filter((p) => query.filter === undefined || matchesFilter(p, query.filter))
      .map((p) => ({ payment: p, position: positionOf(p) }))
      .filter(({ position }) => after === null || comesBefore(after, position))
      .sort((a, b) => (comesBefore(a.position, b.position) ? -1 : 1));
    const page = matching.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(({ payment }) => structuredClone(payment)),
      nextCursor: matching.length > page.length && last ? encodeCursor({ score: String(last.position.createdMs), id: last.position.id }) : null,
    };
  }

  async listEvents(paymentId: string): Promise<PaymentEvent[]> {
    return structuredClone(this.events.get(paymentId) ?? []);
  }

  async claimDueForExpiry(now: Date, limit: number, leaseMs: number): Promise<ExpiryClaim> {
    assertClaimArguments(limit, leaseMs);
    // One synchronous section: the walk and the leases it takes cannot interleave with another claim.
    const nowMs = now.getTime();
    const open = [...this.payments.values()]
      .map((p) => ({ payment: p, due: expiryDueAt(p) }))
      .filter((entry): entry is { payment: Payment; due: string } => entry.due !== null)
      .map(({ payment: p, due }) => ({ payment: p, dueMs: Math.max(Date.parse(due), this.expiryClaims.get(p.id) ?? 0) }))
      // The order of the Redis adapter's ZSET: by due time, then by id.
      .sort((a, b) => a.dueMs - b.dueMs || (a.payment.id < b.payment.id ? -1 : 1));
    const claimed = open.filter(({ dueMs }) => dueMs <= nowMs).slice(0, limit);
    for (const entry of claimed) {
      entry.dueMs = nowMs + leaseMs;
      this.expiryClaims.set(entry.payment.id, entry.dueMs);
    }
    const nextMs = open.reduce((min, { dueMs }) => Math.min(min, dueMs), Infinity);
    return {
      payments: claimed.map(({ payment }) => structuredClone(payment)),
      nextDueAt: Number.isFinite(nextMs) ? new Date(nextMs) : null,
    };
  }

  async claimForReconciliation(now: Date, limit: number, backoff: ReconcileBackoff): Promise<ReconcileClaim> {
    assertReconcileArguments(limit, backoff);
    // One synchronous section, like the Redis script: two claims never hand out one payment.
    const nowMs = now.getTime();
    const ordered = [...this.reconciling.entries()].sort(([a, x], [b, y]) => x.score - y.score || (a < b ? -1 : 1));
    const due = ordered.filter(([, entry]) => entry.score + backoff.firstAfterMs <= nowMs).slice(0, limit);
    const claimed = due.map(([id, entry]) => {
      const nextAskMs = nowMs + reconcileWaitMs(entry.asks, backoff);
      const claim = { payment: structuredClone(this.payments.get(id)!), earlierAsks: entry.asks, nextAskAt: new Date(nextAskMs) };
      entry.asks += 1;
      entry.score = nextAskMs - backoff.firstAfterMs;
      return claim;
    });
    const first = [...this.reconciling.values()].reduce((min, { score }) => Math.min(min, score), Infinity);
    return { claimed, nextDueAt: Number.isFinite(first) ? new Date(first + backoff.firstAfterMs) : null };
  }

  async forgetReconciliation(paymentId: string): Promise<void> {
    this.reconciling.delete(paymentId);
  }

  /** All at once: the payments are in this process, and the walk is one synchronous pass. */
  async backfillReconciliation(_cursor: string, _count: number): Promise<ReconcileBackfillStep> {
    let added = 0;
    for (const payment of this.payments.values()) {
      if (!awaitsBankAnswer(payment) || this.reconciling.has(payment.id)) continue;
      this.reconciling.set(payment.id, { score: Date.parse(payment.updatedAt), asks: 0 });
      added += 1;
    }
    return { cursor: '0', added };
  }

  async rememberMessage(messageId: string, expiresAt: Date): Promise<boolean> {
    const nowMs = this.clock().getTime();
    this.sweep(nowMs);
    if (this.live(this.messages, messageId, nowMs)) return false;
    this.messages.set(messageId, { value: true, expiresAtMs: expiresAt.getTime() });
    return true;
  }

  async knowsMessage(messageId: string): Promise<boolean> {
    return this.live(this.messages, messageId, this.clock().getTime()) !== undefined;
  }

  async recordRefusedMessage(paymentId: string, refusal: RefusedBankMessage): Promise<void> {
    const kept = [{ ...refusal }, ...(this.refusals.get(paymentId) ?? [])].slice(0, REFUSED_MESSAGES_KEPT);
    this.refusals.set(paymentId, kept);
  }

  async refusedMessages(paymentId: string): Promise<RefusedBankMessage[]> {
    return structuredClone(this.refusals.get(paymentId) ?? []);
  }

  async rememberOnce(key: string, value: string, ttlSeconds: number): Promise<string> {
    const nowMs = this.clock().getTime();
    const known = this.remembered.get(key);
    if (known && known.expiresAtMs > nowMs) return known.value;
    this.remembered.set(key, { value, expiresAtMs: nowMs + ttlSeconds * 1000 });
    return value;
  }

  async replaceRemembered(key: string, value: string): Promise<boolean> {
    const known = this.remembered.get(key);
    if (!known || known.expiresAtMs <= this.clock().getTime()) return false;
    known.value = value;
    return true;
  }

  async nextSequence(scope: string, ttlSeconds: number): Promise<number> {
    const nowMs = this.clock().getTime();
    const current = this.sequences.get(scope);
    const next = current && current.expiresAtMs > nowMs ? current.value + 1 : 1;
    this.sequences.set(scope, { value: next, expiresAtMs: current && current.expiresAtMs > nowMs ? current.expiresAtMs : nowMs + ttlSeconds * 1000 });
    return next;
  }

  async ping(): Promise<void> {
    // In the process: it answers whenever the process does.
  }

  async close(): Promise<void> {
    // Nothing to release: the maps go when the store does.
  }

  /** Moves the attempt index and reference slots to match the payment's status. */
  private index(payment: Payment): void {
    this.expiryClaims.delete(payment.id);
    // Entered once, when the payment begins to await the bank (the change's time); a later change
    // that still awaits keeps the back-off; the change that settles it leaves the set.
    if (!awaitsBankAnswer(payment)) this.reconciling.delete(payment.id);
    else if (!this.reconciling.has(payment.id)) this.reconciling.set(payment.id, { score: Date.parse(payment.updatedAt), asks: 0 });
    for (const attempt of payment.attempts) {
      if (!this.attemptIndex.has(attempt.ref)) this.attemptIndex.set(attempt.ref, payment.id);
    }
    for (const refund of payment.refunds ?? []) {
      if (!this.refundIndex.has(refund.id)) this.refundIndex.set(refund.id, payment.id);
    }
    const { reference, id } = payment;
    if (holdsOpenSlot(payment.status)) {
      if (!this.openSlots.has(reference)) this.openSlots.set(reference, id);
      return;
    }
    if (this.openSlots.get(reference) === id) this.openSlots.delete(reference);
    // A late second success for the reference keeps the first holder: it is flagged, not promoted.
    if (payment.status === 'succeeded' && !this.succeededSlots.has(reference)) this.succeededSlots.set(reference, id);
  }

  /** The entry's value if it has not expired; expiry is checked on read, so sweeping is only housekeeping. */
  private live<T>(map: Map<string, Expiring<T>>, key: string, nowMs: number): T | undefined {
    const entry = map.get(key);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= nowMs) {
      map.delete(key);
      return undefined;
    }
    return entry.value;
  }

  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweepMs < SWEEP_INTERVAL_MS) return;
    this.lastSweepMs = nowMs;
    for (const map of [this.idempotency, this.messages] as Map<string, Expiring<unknown>>[]) {
      for (const [key, entry] of map) if (entry.expiresAtMs <= nowMs) map.delete(key);
    }
  }
}

/** Where a payment sits in a listing: newest first, ties broken by id (descending), as in the Redis adapter. */
interface PaymentPosition {
  createdMs: number;
  id: string;
}

function positionOf(payment: Payment): PaymentPosition {
  return { createdMs: Date.parse(payment.createdAt), id: payment.id };
}

function comesBefore(a: PaymentPosition, b: PaymentPosition): boolean {
  return a.createdMs !== b.createdMs ? a.createdMs > b.createdMs : a.id > b.id;
}
