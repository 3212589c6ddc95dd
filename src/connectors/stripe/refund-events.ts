import { InvalidBankMessageError } from '../../core/errors.js';
import type { BankRefundReport } from '../bank-connector.js';
import { fromStripeAmount } from './amounts.js';
import { chargeSchema, refundSchema, type StripeRefund } from './operation-objects.js';
import { OPERATION_METADATA_KEY } from './stripe-operations.js';

/**
 * The events that tell of refunds (API reference "Types of events"): `charge.refunded` (its object a
 * Charge, "Occurs whenever a charge is refunded, including partial refunds"), and `refund.created`,
 * `refund.updated`, `refund.failed` (each a Refund object), sent for card refunds too since API
 * version 2024-10-28 (changelog "Adds created, updated, and failed events for all refund types").
 */
export const REFUND_EVENT_TYPES = ['charge.refunded', 'refund.created', 'refund.updated', 'refund.failed'] as const;

export type RefundEventType = (typeof REFUND_EVENT_TYPES)[number];

export function isRefundEvent(type: string): type is RefundEventType {
  return (REFUND_EVENT_TYPES as readonly string[]).includes(type);
}

/** Our refund ids (core ids.ts: `re_` and 128 random bits in base64url). */
const OUR_REFUND_ID = /^re_[A-Za-z0-9_-]{22}$/;

const REASON_WORD = /^[a-z0-9_]{1,60}$/;

/** What a `refund.*` event is about: its Refund object, as signed. */
export function refundOfEvent(object: unknown): StripeRefund {
  const refund = refundSchema.safeParse(object);
  if (!refund.success) throw new InvalidBankMessageError('malformed_refund');
  return refund.data;
}

/** The PaymentIntent a `charge.refunded` event's Charge was paid by (null for a charge without one). */
export function paymentIntentOfCharge(object: unknown): string | null {
  const charge = chargeSchema.safeParse(object);
  if (!charge.success) throw new InvalidBankMessageError('malformed_charge');
  return charge.data.payment_intent;
}

/**
 * A Refund object as a report ("Refunds: refund statuses"): pending and requires_action are on their
 * way; failed and canceled gave nothing back (the same reading as the operations' refundAnswerOf). The
 * operation id we sent in its metadata names our refund; a refund without it was made elsewhere (the
 * dashboard). A status Stripe does not document says nothing: null.
 */
export function reportOf(refund: StripeRefund): BankRefundReport | null {
  const currency = refund.currency.toUpperCase();
  const ours = refund.metadata?.[OPERATION_METADATA_KEY];
  const base = {
    bankReference: refund.id,
    amount: fromStripeAmount(refund.amount, currency),
    currency,
    ...(ours !== undefined && OUR_REFUND_ID.test(ours) ? { refundId: ours } : {}),
  };
  switch (refund.status) {
    case 'pending':
    case 'requires_action':
      return { ...base, status: 'pending' };
    case 'succeeded':
      return { ...base, status: 'succeeded' };
    case 'failed': {
      const reason = refund.failure_reason && REASON_WORD.test(refund.failure_reason) ? refund.failure_reason : 'unknown';
      return { ...base, status: 'failed', failureReason: `refund_failed:${reason}` };
    }
    case 'canceled':
      return { ...base, status: 'failed', failureReason: 'refund_canceled' };
    default:
      return null;
  }
}
