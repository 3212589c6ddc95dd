import { IllegalTransitionError, InvalidBankMessageError } from './errors.js';
import type { BankOutcome } from './bank-outcome.js';
import { Change, unchanged } from './change.js';
import type { Command, Transition, TransitionContext } from './command.js';
import { capture, voidAuthorization } from './capture-transitions.js';
import { applyRefundOutcome, requestRefund } from './refund-transitions.js';
import { applyBankRefund } from './bank-refund-transitions.js';
import { withoutCardNumbers } from './outcome-card-guard.js';
import { isCaptureWindowClosed } from './payment-money.js';
import { assertNever, captureModeOf, currentAttempt, isOpen, type Attempt, type AttemptStatus, type Payment } from './payment.js';

export type { BankOutcome };
export type { CaptureCommand, Command, OperationAnswer, RefundOutcomeCommand, RequestRefundCommand, Transition, TransitionContext, Verdict, VoidCommand } from './command.js';

/**
 * The payment state machine: one pure function from (payment, command, clock) to the next payment and
 * the events that record the change. No I/O here, so every rule is unit-tested without a store or HTTP,
 * and both stores apply exactly the same logic under their own atomicity. Captures and voids are in
 * capture-transitions.ts, refunds in refund-transitions.ts.
 */
export function transition(payment: Payment, command: Command, ctx: TransitionContext): Transition {
  switch (command.type) {
    case 'start_attempt':
      return startAttempt(payment, command, ctx);
    case 'bank_outcome':
      return applyOutcome(payment, withoutCardNumbers(command.outcome), command.captureWindowMs, ctx);
    case 'cancel':
      return cancel(payment, ctx);
    case 'expire':
      return expire(payment, ctx);
    case 'abandon_checkout':
      return abandonCheckout(payment, ctx);
    case 'capture':
      return capture(payment, command, ctx);
    case 'void':
      return voidAuthorization(payment, ctx);
    case 'request_refund':
      return requestRefund(payment, command, ctx);
    case 'refund_outcome':
      return applyRefundOutcome(payment, command, ctx);
    case 'bank_refund':
      return applyBankRefund(payment, command, ctx);
    default:
      return assertNever(command);
  }
}

export function isDueForExpiry(payment: Payment, now: Date): boolean {
  return isOpen(payment.status) && now.getTime() >= Date.parse(payment.expiresAt);
}

/** The expire command would move the payment now: an open payment past expiresAt, or an authorisation past captureBefore. */
export function isExpiryDue(payment: Payment, now: Date): boolean {
  return isDueForExpiry(payment, now) || (payment.status === 'authorized' && isCaptureWindowClosed(payment, now));
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
    return unchanged(payment, 'no_effect', { attempt: current });
  }

  const change = new Change(payment, ctx);
  const at = ctx.now.toISOString();
  const attempt: Attempt = { ref: command.attemptRef, connector: command.connector, status: 'pending', createdAt: at, updatedAt: at };
  change.next.attempts.push(attempt);
  change.next.status = 'pending';
  change.emit('payment.pending', { attemptRef: attempt.ref });
  return change.done('applied', { attempt });
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
  if (outcome.authentication !== undefined) attempt.authentication = { ...outcome.authentication };
  if (outcome.refusedOrCancelled && outcome.status === 'refused') attempt.refusedOrCancelled = true;
}

function applyOutcome(payment: Payment, outcome: BankOutcome, captureWindowMs: number | undefined, ctx: TransitionContext): Transition {
  const stored = payment.attempts.find((a) => a.ref === outcome.attemptRef);
  if (!stored) throw new InvalidBankMessageError('unknown_attempt');

  const change = new Change(payment, ctx);
  // The bank must confirm exactly what we asked for; anything else is refused and flagged.
  if (outcome.currency !== payment.currency) {
    change.flag('currency_mismatch', { attemptRef: stored.ref });
    return change.done('rejected');
  }
  if (outcome.amount !== payment.amount) {
    change.flag('amount_mismatch', { attemptRef: stored.ref });
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
      change.flag('second_success', { attemptRef: stored.ref });
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
      case 'authorized':
        // Money taken (or reserved) twice for one payment: record the second one, never hide it.
        change.flag('second_success', { attemptRef: attempt.ref });
        return change.done('anomaly');
      case 'created':
      case 'pending':
      case 'failed':
        const flagged = takeAuthorisation(change, payment, attempt, outcome, captureWindowMs);
        // Past expiresAt the payment is expired whether or not the sweeper has recorded it yet:
        // the flag follows the clock, not the order in which the sweep and the bank arrived.
        if (isDueForExpiry(payment, ctx.now)) {
          change.flag('succeeded_after_expiry', { attemptRef: attempt.ref });
          return change.done('anomaly');
        }
        return change.done(flagged ? 'anomaly' : 'applied');
      case 'expired':
      case 'cancelled':
        // The bank is the authority on money taken: a late success is recorded and flagged, never dropped.
        takeAuthorisation(change, payment, attempt, outcome, captureWindowMs);
        change.flag(before === 'expired' ? 'succeeded_after_expiry' : 'succeeded_after_cancellation', { attemptRef: attempt.ref });
        return change.done('anomaly');
      default:
        return assertNever(before);
    }
  }

  // A refusal, error or cancellation.
  if (stored.status === 'authorised') {
    // The bank already said this attempt took the money: a later "no" cannot undo it.
    change.flag('regression_after_success', { attemptRef: stored.ref });
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

/**
 * The bank said yes. An automatic payment is paid; a manual one is authorized: its money reserved
 * until captureBefore (the bank's own limit when its message gives one, else the connector's window
 * from now), all of it capturable, nothing captured yet. A bank that took the whole amount of a manual
 * payment at once (it ignored the request) has paid it: that is recorded and flagged, so the merchant
 * knows there is nothing left to capture. Returns whether it flagged.
 */
function takeAuthorisation(change: Change, payment: Payment, attempt: Attempt, outcome: BankOutcome, captureWindowMs: number | undefined): boolean {
  const next = change.next;
  delete next.cancellationReason;
  const mode = captureModeOf(payment);
  switch (mode) {
    case 'automatic':
      next.status = 'succeeded';
      change.emit('payment.succeeded', { attemptRef: attempt.ref });
      return false;
    case 'manual': {
      if (outcome.capture === 'automatic') {
        next.status = 'succeeded';
        next.amountCapturable = 0;
        next.amountCaptured = payment.amount;
        next.amountRefunded = 0;
        change.emit('payment.captured', { attemptRef: attempt.ref, amount: payment.amount });
        change.flag('captured_by_bank', { attemptRef: attempt.ref });
        return true;
      }
      if (captureWindowMs === undefined || !Number.isSafeInteger(captureWindowMs) || captureWindowMs <= 0) {
        // A wiring mistake, not a bank's: each connector knows how long its bank keeps an authorisation.
        throw new TypeError('an authorisation of a manual payment needs the capture window of its connector');
      }
      next.status = 'authorized';
      const bankLimit = outcome.captureBefore === undefined ? Number.NaN : Date.parse(outcome.captureBefore);
      next.captureBefore = new Date(Number.isFinite(bankLimit) ? bankLimit : Date.parse(change.at) + captureWindowMs).toISOString();
      next.amountCapturable = payment.amount;
      next.amountCaptured = 0;
      next.amountRefunded = 0;
      change.emit('payment.authorized', { attemptRef: attempt.ref, amount: payment.amount });
      return false;
    }
    default:
      return assertNever(mode);
  }
}

function cancel(payment: Payment, ctx: TransitionContext): Transition {
  switch (payment.status) {
    case 'cancelled':
      return unchanged(payment, 'duplicate');
    case 'authorized':
      // The reservation is released at the bank first: that is a void, which records its answer.
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

/**
 * The buyer left the checkout page for the shop. Nothing about the payment changes (it stays payable
 * until it expires); the merchant who asked is told once per payment, however often the buyer leaves,
 * so the way back cannot be used to flood the shop with events.
 */
function abandonCheckout(payment: Payment, ctx: TransitionContext): Transition {
  if (!payment.notifyCheckoutAbandoned || !isOpen(payment.status)) return unchanged(payment, 'no_effect');
  if (payment.checkoutAbandonedAt !== undefined) return unchanged(payment, 'duplicate');
  const change = new Change(payment, ctx);
  change.next.checkoutAbandonedAt = change.at;
  const attempt = currentAttempt(payment);
  change.emit('payment.checkout_abandoned', attempt ? { attemptRef: attempt.ref } : {});
  return change.done('applied');
}

/**
 * An open payment past expiresAt expires; so does an authorization past captureBefore, since the bank
 * has released the money by then.
 */
function expire(payment: Payment, ctx: TransitionContext): Transition {
  const lapsed = payment.status === 'authorized' && isCaptureWindowClosed(payment, ctx.now);
  if (!lapsed && !isDueForExpiry(payment, ctx.now)) return unchanged(payment, 'no_effect');
  const change = new Change(payment, ctx);
  if (lapsed) change.next.amountCapturable = 0;
  change.next.status = 'expired';
  change.emit('payment.expired');
  return change.done('applied');
}
