import { maskStandaloneCardNumbers } from './card-data.js';
import { Change, unchanged } from './change.js';
import type { BankRefundCommand, Transition, TransitionContext } from './command.js';
import { InvalidBankMessageError } from './errors.js';
import { amountCapturedOf, amountRefundableOf, amountRefundedOf } from './payment-money.js';
import type { Payment } from './payment.js';
import { applyRefundOutcome } from './refund-transitions.js';

/**
 * A refund the bank told of on its own (a webhook). One of ours (by the id it carried back, or by
 * the bank's id kept as its bankReference) takes the report as its answer, through the same rules as
 * an API or reconciliation answer: a repeated or late report changes nothing.
 *
 * One we never asked for (made in the bank's dashboard) is recorded as a refund of its own, with
 * `source: 'bank'`, because the bank is the authority on money moved and the merchant expects the
 * payment to show it: it counts as refunded (or reserved, while pending) from this change on, and
 * a refusal of one we never saw is nothing to record. Should it give back more than is left
 * refundable here (the gateway had reserved some for refunds of its own meanwhile), it is recorded all
 * the same and flagged: the bank will refuse ours, and their reservations are then released.
 */
export function applyBankRefund(payment: Payment, command: BankRefundCommand, ctx: TransitionContext): Transition {
  const stored = command.refundId !== undefined
    ? payment.refunds?.find((r) => r.id === command.refundId)
    : payment.refunds?.find((r) => r.bankReference === command.bankReference);
  if (command.refundId !== undefined && !stored) throw new InvalidBankMessageError('unknown_refund');
  if (stored) {
    return applyRefundOutcome(payment, {
      type: 'refund_outcome',
      refundId: stored.id,
      status: command.status,
      amount: command.amount,
      currency: command.currency,
      bankReference: command.bankReference,
      ...(command.failureReason !== undefined ? { failureReason: command.failureReason } : {}),
    }, ctx);
  }

  if (command.status === 'failed') return unchanged(payment, 'no_effect');
  const change = new Change(payment, ctx);
  if (command.currency !== payment.currency) {
    change.flag('currency_mismatch');
    return change.done('rejected');
  }
  const refundable = amountRefundableOf(payment);
  const refund = change.addRefund({
    id: command.newRefundId,
    paymentId: payment.id,
    amount: command.amount,
    currency: payment.currency,
    status: command.status,
    reason: null,
    bankReference: maskStandaloneCardNumbers(command.bankReference),
    failureReason: null,
    createdAt: change.at,
    updatedAt: change.at,
    source: 'bank',
  });
  change.next.amountCaptured = amountCapturedOf(payment);
  const refunded = amountRefundedOf(payment);
  change.next.amountRefunded = command.status === 'succeeded' ? refunded + refund.amount : refunded;
  change.emit('refund.created', { refundId: refund.id, amount: refund.amount });
  if (command.status === 'succeeded') change.emit('refund.succeeded', { refundId: refund.id, amount: refund.amount });
  if (refund.amount > refundable) {
    change.flagOperation('refunds_exceed_captured', refund.id, { refundId: refund.id });
    return change.done('anomaly', { refund });
  }
  return change.done('applied', { refund });
}
