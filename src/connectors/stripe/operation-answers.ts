import { BankUnavailableError, InvalidBankMessageError } from '../../core/errors.js';
import type { OperationAnswer } from '../bank-operations.js';
import { fromStripeAmount } from './amounts.js';
import type { StripePaymentIntent, StripeRefund } from './operation-objects.js';
import { StripeApiError } from './stripe-client.js';

const REASON_WORD = /^[a-z0-9_]{1,60}$/;

/** A Stripe word kept as a refusal reason, or a fixed one when it is not a plain word. */
const word = (value: string | null | undefined, fallback: string) => (value && REASON_WORD.test(value) ? value : fallback);

/**
 * A captured PaymentIntent. `succeeded`: the money is taken (`amount_received`, which is less than
 * asked only if Stripe captured less: the service compares). `processing`: some methods settle later.
 */
export function captureAnswerOf(pi: StripePaymentIntent): OperationAnswer {
  switch (pi.status) {
    case 'succeeded': {
      const currency = pi.currency.toUpperCase();
      return { outcome: 'succeeded', amount: fromStripeAmount(pi.amount_received, currency), currency, bankReference: pi.id };
    }
    case 'processing':
      return { outcome: 'pending', bankReference: pi.id };
    case 'canceled':
      return { outcome: 'refused', reason: 'payment_intent_canceled' };
    default:
      // A 2xx capture answer in any other state is not one Stripe documents: ask again before believing anything.
      return { outcome: 'unknown', reason: `payment_intent_status:${word(pi.status, 'other')}` };
  }
}

/** A cancelled PaymentIntent: the whole authorisation (`amount`) is released. */
export function voidAnswerOf(pi: StripePaymentIntent): OperationAnswer {
  if (pi.status === 'canceled') {
    const currency = pi.currency.toUpperCase();
    return { outcome: 'succeeded', amount: fromStripeAmount(pi.amount, currency), currency, bankReference: pi.id };
  }
  return { outcome: 'refused', reason: `payment_intent_status:${word(pi.status, 'other')}` };
}

/**
 * A Refund object's status ("Refunds: failed refunds"): pending and requires_action are on their way
 * (the second waits for the customer, for some payment methods); failed and canceled gave nothing back.
 */
export function refundAnswerOf(refund: StripeRefund): OperationAnswer {
  switch (refund.status) {
    case 'succeeded': {
      const currency = refund.currency.toUpperCase();
      return { outcome: 'succeeded', amount: fromStripeAmount(refund.amount, currency), currency, bankReference: refund.id };
    }
    case 'pending':
    case 'requires_action':
      return { outcome: 'pending', bankReference: refund.id };
    case 'failed':
      return { outcome: 'refused', reason: `refund_failed:${word(refund.failure_reason, 'unknown')}` };
    case 'canceled':
      return { outcome: 'refused', reason: 'refund_canceled' };
    default:
      return { outcome: 'unknown', reason: `refund_status:${word(refund.status, 'other')}` };
  }
}

/**
 * An operation that threw. Stripe's refusals (a 4xx other than 409/429: card_error,
 * invalid_request_error such as `amount_too_large`, `charge_already_refunded`,
 * `charge_expired_for_capture`) are refused with Stripe's code, or its type and parameter when it gives
 * no code. Unreachable after the retries (timeouts, 5xx, connection cut) is unknown, and so is an
 * `idempotency_error`: the key was used before, so the first request under it may well have happened.
 * A 2xx answer we cannot read is unknown too: the operation may have been done.
 */
export function answerOfError(err: unknown): OperationAnswer {
  if (err instanceof BankUnavailableError) return { outcome: 'unknown', reason: 'stripe_unreachable' };
  if (err instanceof StripeApiError) {
    if (err.type === 'idempotency_error') return { outcome: 'unknown', reason: 'idempotency_error' };
    if (err.stripeCode) return { outcome: 'refused', reason: err.stripeCode };
    const reason = [err.type ?? `http_${err.httpStatus}`, err.param].filter(Boolean).join(':');
    return { outcome: 'refused', reason };
  }
  if (err instanceof InvalidBankMessageError) return { outcome: 'unknown', reason: 'unreadable_answer' };
  throw err;
}
