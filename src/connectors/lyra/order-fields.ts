import type { Attempt, Payment } from '../../core/payment.js';

/**
 * Which `vads_` field carries what. Lyra's data dictionary (form API, "Dictionnaire de données"):
 * `vads_order_id` is ans..64 of letters, digits, `-` and `_`, the order number the back office is
 * searched by; `vads_order_info`, `vads_order_info2` and `vads_order_info3` are ans..255, shown in the
 * back office and returned in the IPN and the browser return (and, over the REST API V4, as
 * `metadata.orderInfo`, `metadata.orderInfo2`, `metadata.orderInfo3` of each transaction).
 */

/** The field whose value names our attempt: returned by Lyra, never shown to the buyer. */
export const ATTEMPT_FIELD = 'vads_order_info2';
/** The same value as the REST API V4 returns it, in a transaction's metadata. */
export const ATTEMPT_METADATA_KEY = 'orderInfo2';

const ORDER_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_ORDER_INFO_LENGTH = 255;

/**
 * The shop's own reference when Lyra accepts it as an order id, so the back office is searched by the
 * shop's order number; else the attempt's reference (always [A-Za-z0-9]), so the form is never refused.
 * Several attempts of one payment then share one order id: the attempt is told by ATTEMPT_FIELD.
 */
export function lyraOrderIdOf(payment: Pick<Payment, 'reference'>, attempt: Pick<Attempt, 'ref'>): string {
  return ORDER_ID.test(payment.reference) ? payment.reference : attempt.ref;
}

/** The order's description as `vads_order_info`, cut to what the field holds; none when there is none. */
export function lyraOrderInfoOf(payment: Pick<Payment, 'description'>): string | undefined {
  if (!payment.description) return undefined;
  return [...payment.description].slice(0, MAX_ORDER_INFO_LENGTH).join('');
}
