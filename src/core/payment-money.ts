import { assertNever } from './assert-never.js';
import { captureModeOf, type Payment } from './payment.js';
import { holdsAmount } from './refund.js';

/**
 * The money of a payment after the bank's verdict, as amounts in minor units. An automatic payment
 * records none of these fields until something is refunded from it: what it implies is read here,
 * in one place, so every rule and view agrees.
 *
 * Invariants (kept by the state machine, checked by test/unit/capture-refund.test.ts):
 *   reservedForRefunds ≤ amountCaptured ≤ amount, and amountCaptured + amountCapturable ≤ amount.
 */
export function amountCapturedOf(payment: Payment): number {
  if (payment.amountCaptured !== undefined) return payment.amountCaptured;
  // Before any capture field was written, only an automatic success has taken money: all of it.
  return payment.status === 'succeeded' && captureModeOf(payment) === 'automatic' ? payment.amount : 0;
}

export function amountCapturableOf(payment: Payment): number {
  return payment.amountCapturable ?? 0;
}

export function amountRefundedOf(payment: Payment): number {
  return payment.amountRefunded ?? 0;
}

/** What the refunds hold against the captured amount: the pending ones (reserved) and the succeeded ones. */
export function reservedForRefunds(payment: Payment): number {
  return (payment.refunds ?? []).reduce((sum, refund) => (holdsAmount(refund.status) ? sum + refund.amount : sum), 0);
}

/** What a new refund may still take. */
export function amountRefundableOf(payment: Payment): number {
  return Math.max(0, amountCapturedOf(payment) - reservedForRefunds(payment));
}

/** Whether money was taken from this payment, so that it can be refunded. */
export function hasCapturedMoney(payment: Payment): boolean {
  switch (payment.status) {
    case 'succeeded':
      return amountCapturedOf(payment) > 0;
    case 'created':
    case 'pending':
    case 'authorized':
    case 'failed':
    case 'cancelled':
    case 'expired':
      return false;
    default:
      return assertNever(payment.status);
  }
}

/** The authorisation of a manual payment has lapsed at the bank: nothing can be captured any more. */
export function isCaptureWindowClosed(payment: Payment, now: Date): boolean {
  return payment.captureBefore !== undefined && now.getTime() >= Date.parse(payment.captureBefore);
}
