import { maskStandaloneCardNumbers } from './card-data.js';
import { Change, unchanged } from './change.js';
import type { RefundOutcomeCommand, RequestRefundCommand, Transition, TransitionContext } from './command.js';
import { AmountNotRefundableError, IllegalTransitionError, InvalidBankMessageError } from './errors.js';
import { requestedAmount } from './operation-request.js';
import { amountCapturedOf, amountRefundableOf, amountRefundedOf, hasCapturedMoney } from './payment-money.js';
import { assertNever, type Payment } from './payment.js';
import type { Refund } from './refund.js';

/**
 * A refund is asked: its amount is reserved at once (the refund is pending), so that the refunds
 * pending or succeeded never hold more than was captured, however many are asked at the same time:
 * each one is a new version of the payment, committed by compare-and-set.
 */
export function requestRefund(payment: Payment, command: RequestRefundCommand, ctx: TransitionContext): Transition {
  const existing = payment.refunds?.find((r) => r.id === command.refundId);
  if (existing) return unchanged(payment, 'duplicate', { refund: existing });
  if (!hasCapturedMoney(payment)) throw new IllegalTransitionError(payment.status, 'refund');

  const refundable = amountRefundableOf(payment);
  const amount = requestedAmount(payment, command, refundable);
  if (amount === 0 || amount > refundable) throw new AmountNotRefundableError(amount, refundable);

  const change = new Change(payment, ctx);
  const at = change.at;
  const refund = change.addRefund({
    id: command.refundId,
    paymentId: payment.id,
    amount,
    currency: payment.currency,
    status: 'pending',
    // The merchant's free text is stored and shown: a card number typed into it is masked, as in bank outcomes.
    reason: command.reason === undefined ? null : maskStandaloneCardNumbers(command.reason),
    bankReference: null,
    failureReason: null,
    createdAt: at,
    updatedAt: at,
  });
  // From the first refund on, the payment shows its captured and refunded amounts, automatic or not.
  change.next.amountCaptured = amountCapturedOf(payment);
  change.next.amountRefunded = amountRefundedOf(payment);
  change.emit('refund.created', { refundId: refund.id, amount });
  return change.done('applied', { refund });
}

/**
 * The bank's answer about a refund. A success adds to amountRefunded; a refusal releases the
 * reservation. A bank that later reverses a succeeded refund (the card issuer sent it back) is
 * followed: the refund fails and its amount is released. A success after a refusal is recorded,
 * since the bank is the authority on money moved, and flagged: its amount had been released.
 */
export function applyRefundOutcome(payment: Payment, command: RefundOutcomeCommand, ctx: TransitionContext): Transition {
  const stored = payment.refunds?.find((r) => r.id === command.refundId);
  if (!stored) throw new InvalidBankMessageError('unknown_refund');

  const change = new Change(payment, ctx);
  if (command.currency !== undefined && command.currency !== stored.currency) {
    change.flagOperation('currency_mismatch', stored.id, { refundId: stored.id, operation: 'refund' });
    return change.done('rejected', { refund: stored });
  }
  if (command.amount !== undefined && command.amount !== stored.amount) {
    change.flagOperation('amount_mismatch', stored.id, { refundId: stored.id, operation: 'refund' });
    return change.done('rejected', { refund: stored });
  }

  const status = command.status;
  switch (status) {
    case 'pending':
    case 'unknown':
      // No verdict yet: the refund keeps its reservation and waits for the bank to be asked again.
      return unchanged(payment, 'no_effect', { refund: stored });
    case 'succeeded':
    case 'failed':
      break;
    default:
      return assertNever(status);
  }
  if (stored.status === status) return unchanged(payment, 'duplicate', { refund: stored });

  const refund = change.refund(stored.id);
  const before = refund.status;
  refund.status = status;
  refund.updatedAt = change.at;
  if (command.bankReference !== undefined) refund.bankReference = maskStandaloneCardNumbers(command.bankReference);
  const refunded = amountRefundedOf(payment);
  if (status === 'succeeded') {
    refund.failureReason = null;
    change.next.amountRefunded = refunded + refund.amount;
    change.emit('refund.succeeded', { refundId: refund.id, amount: refund.amount });
    if (before === 'failed') {
      change.flagOperation('refund_after_failure', refund.id, { refundId: refund.id });
      return change.done('anomaly', { refund });
    }
    return change.done('applied', { refund });
  }
  refund.failureReason = command.failureReason === undefined ? null : maskStandaloneCardNumbers(command.failureReason);
  if (before === 'succeeded') change.next.amountRefunded = refunded - refund.amount;
  change.emit('refund.failed', { refundId: refund.id, amount: refund.amount });
  return change.done('applied', { refund });
}

