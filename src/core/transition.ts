import { IllegalTransitionError, InvalidBankMessageError } from './errors.js';
import type { PaymentEvent, PaymentEventType } from './events.js';
import type { BankOutcome } from './bank-outcome.js';
import { withoutCardNumbers } from './outcome-card-guard.js';
import {
  assertNever,
  currentAttempt,
  isOpen,
  type AnomalyKind,
  type Attempt,
  type AttemptStatus,
  type MaskedCard,
  type Payment,
} from './payment.js';

export type { BankOutcome };


export type Command =
  | { type: 'start_attempt'; attemptRef: string; connector: string; reuseWindowMs: number }
  | { type: 'bank_outcome'; outcome: BankOutcome }
  | { type: 'cancel' }
  | { type: 'expire' };

export interface TransitionContext {
  now: Date;
  newEventId: () => string;
}

/**
 * - applied: the message moved the payment or its attempt.
 * - duplicate: the same verdict was already recorded; nothing changes, the bank gets its acknowledgement.
 * - anomaly: recorded and flagged (late success, regression after success, second success).
 * - rejected: the message contradicts what we asked for (amount, currency); recorded as an anomaly, not applied.
 * - no_effect: nothing to do (bank still processing, expiry not due, payment already cancelled).
 */
export type Verdict = 'applied' | 'duplicate' | 'anomaly' | 'rejected' | 'no_effect';

export interface Transition {
  payment: Payment;
  events: PaymentEvent[];
  changed: boolean;
  verdict: Verdict;
  /** For start_attempt: the attempt the buyer is to be sent to the bank with. */
  attempt?: Attempt;
}

/**
 * The payment state machine: one pure function from (payment, command, clock) to the next payment and
 * the events that record the change. No I/O here, so every rule is unit-tested without a store or HTTP,
 * and both stores apply exactly the same logic under their own atomicity.
 */
export function transition(payment: Payment, command: Command, ctx: TransitionContext): Transition {
  switch (command.type) {
    case 'start_attempt':
      return startAttempt(payment, command, ctx);
    case 'bank_outcome':
      return applyOutcome(payment, withoutCardNumbers(command.outcome), ctx);
    case 'cancel':
      return cancel(payment, ctx);
    case 'expire':
      return expire(payment, ctx);
    default:
      return assertNever(command);
  }
}

export function isDueForExpiry(payment: Payment, now: Date): boolean {
  return isOpen(payment.status) && now.getTime() >= Date.parse(payment.expiresAt);
}

function unchanged(payment: Payment, verdict: Verdict, attempt?: Attempt): Transition {
  return attempt ? { payment, events: [], changed: false, verdict, attempt } : { payment, events: [], changed: false, verdict };
}

/** Builds the next version of the payment and the events stamped with that version. */
class Change {
  readonly next: Payment;
  readonly events: PaymentEvent[] = [];
  private touched = false;
  constructor(
    private readonly original: Payment,
    private readonly ctx: TransitionContext,
  ) {
    const at = ctx.now.toISOString();
    this.next = {
      ...original,
      version: original.version + 1,
      updatedAt: at,
      attempts: original.attempts.map((a) => ({ ...a })),
      anomalies: [...original.anomalies],
    };
  }

  emit(type: PaymentEventType, extra: { attemptRef?: string; anomaly?: AnomalyKind } = {}): void {
    this.events.push({
      id: this.ctx.newEventId(),
      type,
      paymentId: this.next.id,
      paymentVersion: this.next.version,
      occurredAt: this.ctx.now.toISOString(),
      ...extra,
    });
  }

  /** An anomaly kind is recorded (and notified) once per payment. */
  flag(kind: AnomalyKind, attemptRef?: string): void {
    if (this.next.anomalies.includes(kind)) return;
    this.next.anomalies.push(kind);
    this.emit('payment.anomaly', attemptRef ? { anomaly: kind, attemptRef } : { anomaly: kind });
  }

  attempt(ref: string): Attempt {
    const found = this.next.attempts.find((a) => a.ref === ref);
    if (!found) throw new Error(`attempt ${ref} vanished`);
    this.touched = true;
    return found;
  }

  done(verdict: Verdict, attempt?: Attempt): Transition {
    if (this.events.length === 0 && !this.touched && verdict !== 'applied') {
      // Nothing was recorded (the anomaly was already flagged): keep the stored version.
      return { payment: this.original, events: [], changed: false, verdict };
    }
    return attempt
      ? { payment: this.next, events: this.events, changed: true, verdict, attempt }
      : { payment: this.next, events: this.events, changed: true, verdict };
  }
}

function startAttempt(
  payment: Payment,
  command: Extract<Command, { type: 'start_attempt' }>,
  ctx: TransitionContext,
): Transition {
  if (!isOpen(payment.status)) throw new IllegalTransitionError(payment.status, 'start_attempt');
  if (isDueForExpiry(payment, ctx.now)) throw new IllegalTransitionError('expired', 'start_attempt');

  // Double clicks and second tabs: while the current attempt is fresh, the buyer goes back to it.
  const current = currentAttempt(payment);
  if (
    payment.status === 'pending' &&
    current?.status === 'pending' &&
    ctx.now.getTime() - Date.parse(current.createdAt) < command.reuseWindowMs
  ) {
    return unchanged(payment, 'no_effect', current);
  }

  const change = new Change(payment, ctx);
  const at = ctx.now.toISOString();
  const attempt: Attempt = { ref: command.attemptRef, connector: command.connector, status: 'pending', createdAt: at, updatedAt: at };
  change.next.attempts.push(attempt);
  change.next.status = 'pending';
  change.emit('payment.pending', { attemptRef: attempt.ref });
  return change.done('applied', attempt);
}

function attemptStatusOf(status: Exclude<BankOutcome['status'], 'pending'>): AttemptStatus {
  switch (status) {
    case 'authorised':
      return 'authorised';
    case 'refused':
      return 'refused';
    case 'cancelled':
      return 'cancelled';
    case 'error':
      return 'error';
    default:
      return assertNever(status);
  }
}

function recordDetails(attempt: Attempt, outcome: BankOutcome, at: string): void {
  attempt.updatedAt = at;
  if (outcome.bankTransactionId !== undefined) attempt.bankTransactionId = outcome.bankTransactionId;
  if (outcome.authorisationCode !== undefined) attempt.authorisationCode = outcome.authorisationCode;
  if (outcome.card !== undefined) attempt.card = { brand: outcome.card.brand, last4: outcome.card.last4 };
  if (outcome.responseCode !== undefined) attempt.responseCode = outcome.responseCode;
}

function applyOutcome(payment: Payment, outcome: BankOutcome, ctx: TransitionContext): Transition {
  const stored = payment.attempts.find((a) => a.ref === outcome.attemptRef);
  if (!stored) throw new InvalidBankMessageError('unknown_attempt');

  const change = new Change(payment, ctx);
  // The bank must confirm exactly what we asked for; anything else is refused and flagged.
  if (outcome.currency !== payment.currency) {
    change.flag('currency_mismatch', stored.ref);
    return change.done('rejected');
  }
  if (outcome.amount !== payment.amount) {
    change.flag('amount_mismatch', stored.ref);
    return change.done('rejected');
  }
  if (outcome.status === 'pending') return unchanged(payment, 'no_effect');

  const attemptStatus = attemptStatusOf(outcome.status);
  if (stored.status === attemptStatus) {
    // The same attempt authorised under another bank transaction: the bank took the money twice.
    if (
      attemptStatus === 'authorised' &&
      outcome.bankTransactionId !== undefined &&
      stored.bankTransactionId !== undefined &&
      outcome.bankTransactionId !== stored.bankTransactionId
    ) {
      change.flag('second_success', stored.ref);
      return change.done('anomaly');
    }
    return unchanged(payment, 'duplicate');
  }

  const at = ctx.now.toISOString();

  if (attemptStatus === 'authorised') {
    const attempt = change.attempt(stored.ref);
    recordDetails(attempt, outcome, at);
    attempt.status = 'authorised';
    const before = payment.status;
    switch (before) {
      case 'succeeded':
        // Money taken twice for one payment: record the second capture, never hide it.
        change.flag('second_success', attempt.ref);
        return change.done('anomaly');
      case 'created':
      case 'pending':
      case 'failed':
        change.next.status = 'succeeded';
        change.emit('payment.succeeded', { attemptRef: attempt.ref });
        // Past expiresAt the payment is expired whether or not the sweeper has recorded it yet:
        // the flag follows the clock, not the order in which the sweep and the bank arrived.
        if (isDueForExpiry(payment, ctx.now)) {
          change.flag('succeeded_after_expiry', attempt.ref);
          return change.done('anomaly');
        }
        return change.done('applied');
      case 'expired':
      case 'cancelled':
        // The bank is the authority on money taken: a late success is recorded and flagged, never dropped.
        change.next.status = 'succeeded';
        change.emit('payment.succeeded', { attemptRef: attempt.ref });
        change.flag(before === 'expired' ? 'succeeded_after_expiry' : 'succeeded_after_cancellation', attempt.ref);
        return change.done('anomaly');
      default:
        return assertNever(before);
    }
  }

  // A refusal, error or cancellation.
  if (stored.status === 'authorised') {
    // The bank already said this attempt took the money: a later "no" cannot undo it.
    change.flag('regression_after_success', stored.ref);
    return change.done('anomaly');
  }
  // A different "no" for an attempt already refused or cancelled changes nothing and notifies nobody.
  if (stored.status !== 'pending') return unchanged(payment, 'duplicate');

  const attempt = change.attempt(stored.ref);
  recordDetails(attempt, outcome, at);
  attempt.status = attemptStatus;
  const isCurrent = currentAttempt(payment)?.ref === attempt.ref;
  if (isCurrent && (payment.status === 'pending' || payment.status === 'failed' || payment.status === 'created')) {
    change.next.status = attemptStatus === 'cancelled' ? 'cancelled' : 'failed';
    change.emit(attemptStatus === 'cancelled' ? 'payment.cancelled' : 'payment.failed', { attemptRef: attempt.ref });
  }
  // Otherwise (an older attempt, or the payment already final) only the attempt's own record changes.
  return change.done('applied');
}

function cancel(payment: Payment, ctx: TransitionContext): Transition {
  switch (payment.status) {
    case 'cancelled':
      return unchanged(payment, 'duplicate');
    case 'succeeded':
    case 'expired':
      throw new IllegalTransitionError(payment.status, 'cancel');
    case 'created':
    case 'pending':
    case 'failed': {
      const change = new Change(payment, ctx);
      change.next.status = 'cancelled';
      change.emit('payment.cancelled');
      return change.done('applied');
    }
    default:
      return assertNever(payment.status);
  }
}

function expire(payment: Payment, ctx: TransitionContext): Transition {
  if (!isDueForExpiry(payment, ctx.now)) return unchanged(payment, 'no_effect');
  const change = new Change(payment, ctx);
  change.next.status = 'expired';
  change.emit('payment.expired');
  return change.done('applied');
}
