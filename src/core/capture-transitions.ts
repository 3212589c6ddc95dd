import { Change, unchanged } from './change.js';
import type { CaptureCommand, OperationAnswer, Transition, TransitionContext } from './command.js';
import { AmountNotCapturableError, CaptureWindowClosedError, IllegalTransitionError, OperationNotSupportedError } from './errors.js';
import { requestedAmount } from './operation-request.js';
import { amountCapturableOf, amountCapturedOf, isCaptureWindowClosed } from './payment-money.js';
import { assertNever, type Payment } from './payment.js';

/**
 * Captures and voids of a manual payment, as the bank confirms them.
 *
 * A capture takes all or part of what is capturable, before captureBefore. It makes the payment
 * succeeded. A partial capture releases the rest, unless the connector takes several captures: then
 * the rest stays capturable (the payment is already succeeded) until captureBefore.
 */
export function capture(payment: Payment, command: CaptureCommand, ctx: TransitionContext): Transition {
  const capturable = amountCapturableOf(payment);
  switch (payment.status) {
    case 'authorized':
      break;
    case 'succeeded':
      // Only a rest left capturable by an earlier partial capture can be captured again.
      if (capturable === 0) throw new IllegalTransitionError(payment.status, 'capture');
      if (!command.multipleCaptures) throw new OperationNotSupportedError('several captures of one payment', payment.connector);
      break;
    case 'created':
    case 'pending':
    case 'failed':
    case 'cancelled':
    case 'expired':
      throw new IllegalTransitionError(payment.status, 'capture');
    default:
      return assertNever(payment.status);
  }
  if (isCaptureWindowClosed(payment, ctx.now)) throw new CaptureWindowClosedError(payment.captureBefore ?? '');
  const amount = requestedAmount(payment, command, capturable);
  if (amount > capturable) throw new AmountNotCapturableError(amount, capturable);

  const change = new Change(payment, ctx);
  if (command.bankAnswer && mismatch(change, payment, command.bankAnswer, amount, command.operationId)) return change.done('rejected');
  const next = change.next;
  next.status = 'succeeded';
  next.amountCaptured = amountCapturedOf(payment) + amount;
  next.amountCapturable = command.multipleCaptures ? capturable - amount : 0;
  change.emit('payment.captured', { amount });
  return change.done('applied');
}

/** The bank released the reservation: the payment is cancelled, reason `voided`. */
export function voidAuthorization(payment: Payment, ctx: TransitionContext): Transition {
  switch (payment.status) {
    case 'authorized': {
      const change = new Change(payment, ctx);
      change.next.status = 'cancelled';
      change.next.cancellationReason = 'voided';
      change.next.amountCapturable = 0;
      change.emit('payment.voided');
      return change.done('applied');
    }
    case 'cancelled':
      if (payment.cancellationReason === 'voided') return unchanged(payment, 'duplicate');
      throw new IllegalTransitionError(payment.status, 'void');
    case 'created':
    case 'pending':
    case 'succeeded':
    case 'failed':
    case 'expired':
      throw new IllegalTransitionError(payment.status, 'void');
    default:
      return assertNever(payment.status);
  }
}

/** A bank that confirms another amount or currency than asked: flagged, and the capture not recorded. */
function mismatch(change: Change, payment: Payment, answer: OperationAnswer, amount: number, operationId: string | undefined): boolean {
  if (answer.currency !== payment.currency) {
    flagCapture(change, 'currency_mismatch', operationId);
    return true;
  }
  if (answer.amount !== amount) {
    flagCapture(change, 'amount_mismatch', operationId);
    return true;
  }
  return false;
}

/** Once per capture operation when the command names it; once per payment otherwise. */
function flagCapture(change: Change, kind: 'currency_mismatch' | 'amount_mismatch', operationId: string | undefined): void {
  if (operationId === undefined) change.flag(kind, { operation: 'capture' });
  else change.flagOperation(kind, operationId, { operation: 'capture' });
}
