import type { AuditEntry } from '../core/audit-entry.js';
import type { RefusedBankMessage } from '../core/refused-bank-message.js';
import type { PaymentEvent } from '../core/events.js';
import type { Payment, PaymentStatus } from '../core/payment.js';
import type { PaymentFilter } from '../core/payment-filter.js';

/** Remembered for an Idempotency-Key: the request's fingerprint and the payment as first answered. */
export interface IdempotencyRecord {
  fingerprint: string;
  payment: Payment;
}

export type CreateOutcome =
  | { kind: 'created'; payment: Payment }
  /** Same Idempotency-Key, same body: the original answer. */
  | { kind: 'replayed'; payment: Payment }
  /** Same Idempotency-Key, another body. */
  | { kind: 'idempotency_mismatch' }
  /** The reference already has an open or a succeeded payment. */
  | { kind: 'reference_conflict'; existing: Payment };

export interface CreatePaymentInput {
  payment: Payment;
  events: PaymentEvent[];
  idempotency?: { key: string; fingerprint: string; ttlSeconds: number };
  /**
   * The audit entry of the create (one asked for through the API), appended to the store's audit log
   * with its audit.recorded event by the same atomic write, and only when the payment is created: a
   * replay or a refused create appends none.
   */
  audit?: AuditEntry;
}

/**
 * A state change to commit: `next` replaces the stored payment only if the stored version is still
 * `expectedVersion`. The payment, its events and every index move together or not at all.
 */
export interface CommitInput {
  expectedVersion: number;
  next: Payment;
  events: PaymentEvent[];
  /**
   * The single-use bank message this change applies, remembered until `expiresAt` by the same atomic
   * step: a message id is kept only once its effect is stored, so a bank resending the same bytes
   * after a failed write is heard again. The version check keeps two racing copies to one change.
   */
  message?: RememberedMessage;
  /**
   * The audit entry of the operation this change carries out (a capture, a void, a refund asked by a
   * merchant or a console user), appended to the store's audit log with its audit.recorded event by
   * the same atomic write, and only if the change is written.
   */
  audit?: AuditEntry;
}

/** A bank message id and how long it must be refused after its effect was stored. */
export interface RememberedMessage {
  id: string;
  expiresAt: Date;
}

/** What claimDueForExpiry hands back. */
export interface ExpiryClaim {
  /** The claimed payments as stored at the claim. */
  payments: Payment[];
  /** When the next open payment becomes claimable (its expiresAt, or the end of a claim on it); null when none is open. */
  nextDueAt: Date | null;
}

/** How claimForReconciliation spaces the asks about one payment. */
export interface ReconcileBackoff {
  /** How long a payment waits for the bank's word before it is first asked about (RECONCILE_AFTER). */
  firstAfterMs: number;
  /** The longest wait between two asks; each wait doubles the one before up to this. */
  maxDelayMs: number;
}

/** One payment handed out by claimForReconciliation. */
export interface ReconcileClaimed {
  payment: Payment;
  /** The asks about it claimed before this one (0 on the first). */
  earlierAsks: number;
  /** When it is claimable again should the bank still not know (the back-off; also the claim's lease). */
  nextAskAt: Date;
}

/** One step of backfillReconciliation. */
export interface ReconcileBackfillStep {
  /** Where the next step starts; '0' once every payment was looked at. */
  cursor: string;
  /** Payments that entered the set in this step. */
  added: number;
}

/** What claimForReconciliation hands back. */
export interface ReconcileClaim {
  claimed: ReconcileClaimed[];
  /** When the next payment of the set becomes claimable; null when none awaits the bank. */
  nextDueAt: Date | null;
}

export interface ListQuery {
  reference?: string;
  status?: PaymentStatus;
  /** The console's search and filters (core/payment-filter.ts); the merchant API sends none. */
  filter?: PaymentFilter;
  limit: number;
  /** Opaque, from a previous page's nextCursor. */
  cursor?: string;
}

export interface PaymentPage {
  items: Payment[];
  nextCursor: string | null;
}

/**
 * Where payments live. Two adapters implement it (memory and Redis) and one contract suite
 * (test/contract) runs unchanged against both.
 *
 * Atomicity contract:
 * - createPayment checks the idempotency key and the reference's open/succeeded slot, and writes the
 *   payment, its events and its indexes, as one step.
 * - commit is a compare-and-set on the payment's version; it returns false (writing nothing) when
 *   another writer got there first, so callers re-read and re-decide.
 * - The reference index follows the payment's status: an open payment (created, pending, failed)
 *   and an authorized one (its money reserved, waiting for a capture) hold the reference's open slot;
 *   a succeeded one holds its succeeded slot; cancelled and expired payments release it.
 * - Refunds live inside their payment (so the compare-and-set on its version guards the refund
 *   invariant); commit only indexes each refund id to its payment.
 */
export interface PaymentStore {
  readonly kind: 'memory' | 'redis';
  createPayment(input: CreatePaymentInput): Promise<CreateOutcome>;
  getPayment(id: string): Promise<Payment | null>;
  getPaymentByAttempt(attemptRef: string): Promise<Payment | null>;
  /** The payment holding this refund (GET /refunds/:id). */
  getPaymentByRefund(refundId: string): Promise<Payment | null>;
  commit(input: CommitInput): Promise<boolean>;
  listPayments(query: ListQuery): Promise<PaymentPage>;
  /** Events of one payment, oldest first. */
  listEvents(paymentId: string): Promise<PaymentEvent[]>;
  /**
   * Claims up to `limit` payments due for the expire command at or before `now` (open ones by their
   * expiresAt, authorized ones by their captureBefore) that no live claim holds, oldest due first, for `leaseMs`: until then no other claim returns them, so instances
   * sweeping together work on different payments. A claim is only a lease on the work, not on the
   * payment (the expiry itself is a commit like any other); a claimant that dies lets it run out.
   */
  claimDueForExpiry(now: Date, limit: number, leaseMs: number): Promise<ExpiryClaim>;
  /**
   * Claims up to `limit` payments awaiting the bank's word (core awaitsBankAnswer: a pending
   * attempt, or a pending refund) whose ask is due at or before `now`, soonest due first. The set of
   * such payments is written by the same atomic step as the change that makes a payment await the
   * bank, and left by the change that settles it. A payment's first ask is due `firstAfterMs` after it
   * began to wait; each claim pushes its next ask out by a wait twice the previous one (the first:
   * twice `firstAfterMs`), at most `maxDelayMs`. Until then no other claim returns it: the back-off
   * is also the claim's lease, so instances reconciling together ask about different payments.
   */
  claimForReconciliation(now: Date, limit: number, backoff: ReconcileBackoff): Promise<ReconcileClaim>;
  /**
   * Takes the payment out of the reconciliation set (its bank cannot be asked); a later change that
   * leaves it awaiting the bank puts it back.
   */
  forgetReconciliation(paymentId: string): Promise<void>;
  /**
   * One step of a walk over every stored payment (start at cursor '0', go on until '0' comes back)
   * that puts each one awaiting the bank's word into the reconciliation set when it is not there: a
   * payment left waiting by a version before the set existed, or whose entry was lost, would never be
   * asked about. It enters as a commit would have put it (due RECONCILE_AFTER after its updatedAt);
   * one already in the set keeps its back-off, so the walk is idempotent. `count` bounds the work of
   * one step (Redis: a SCAN of about that many keys, never KEYS).
   */
  backfillReconciliation(cursor: string, count: number): Promise<ReconcileBackfillStep>;
  /**
   * Records a bank message id until `expiresAt`; true when it was not seen before.
   * Used to refuse replays of single-use bank messages.
   */
  rememberMessage(messageId: string, expiresAt: Date): Promise<boolean>;
  /** Whether a bank message id is remembered (by rememberMessage or a commit's `message`) and live. */
  knowsMessage(messageId: string): Promise<boolean>;
  /**
   * Keeps a verified bank message's refusal beside the payment, the newest REFUSED_MESSAGES_KEPT only.
   * Its own record, written in one atomic step apart from the payment, so it never races a transition.
   */
  recordRefusedMessage(paymentId: string, refusal: RefusedBankMessage): Promise<void>;
  /** The refusals kept for a payment, newest first. */
  refusedMessages(paymentId: string): Promise<RefusedBankMessage[]>;
  /** Replaces the live value rememberOnce kept under `key`, keeping its expiry; false when none is live. Atomic. */
  replaceRemembered(key: string, value: string): Promise<boolean>;
  /** The next value (from 1) of a counter that lives `ttlSeconds` after its first use; atomic across instances. */
  nextSequence(scope: string, ttlSeconds: number): Promise<number>;
  /** Stores `value` under `key` for `ttlSeconds` unless a live value is there; returns the value that stays. Atomic across instances. */
  rememberOnce(key: string, value: string, ttlSeconds: number): Promise<string>;
  /** Resolves when the store answers now (readiness probes); one cheap round trip, reading nothing. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
