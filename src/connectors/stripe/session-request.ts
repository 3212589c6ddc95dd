import { GatewayError } from '../../core/errors.js';
import { captureModeOf, type Attempt, type Payment } from '../../core/payment.js';
import type { BuildRequestInput } from '../bank-connector.js';
import { toStripeAmount } from './amounts.js';
import type { FormValue } from './form-encoding.js';

/** Stripe accepts a Checkout Session `expires_at` from 30 minutes to 24 hours after its creation. */
export const SESSION_MIN_LIFETIME_SECONDS = 30 * 60;
export const SESSION_MAX_LIFETIME_SECONDS = 24 * 3600;

/**
 * Kept inside both bounds, against clock skew and against a create sent again for the same attempt a
 * few minutes later (a second click on "Pay" within the attempt reuse window) whose first try never
 * reached Stripe: that one is validated against Stripe's clock at that moment.
 */
const LIFETIME_MARGIN_SECONDS = 5 * 60;

/** One Checkout Session per attempt: every create for the attempt, retries and double clicks included, sends this key. */
export function idempotencyKeyFor(attemptRef: string): string {
  return `hpp-checkout-session-${attemptRef}`;
}

/**
 * The session closes with the payment (`expiresAt`), kept within what Stripe accepts. It is computed
 * from the attempt's creation time, never from "now", so that a create sent again for the same attempt
 * carries exactly the same parameters (Stripe refuses an idempotency key reused with other parameters).
 */
export function sessionExpiresAt(payment: Payment, attempt: Attempt): number {
  const start = Math.floor(Date.parse(attempt.createdAt) / 1000);
  const earliest = start + SESSION_MIN_LIFETIME_SECONDS + LIFETIME_MARGIN_SECONDS;
  const latest = start + SESSION_MAX_LIFETIME_SECONDS - LIFETIME_MARGIN_SECONDS;
  const wanted = Math.floor(Date.parse(payment.expiresAt) / 1000);
  return Math.min(latest, Math.max(earliest, wanted));
}

function withQuery(url: string, query: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
}

/**
 * The form parameters of `POST /v1/checkout/sessions` for one attempt: one line item for the whole
 * amount, the attempt as client_reference_id and metadata, and return URLs on which Stripe replaces
 * `{CHECKOUT_SESSION_ID}` with the session's id. A manual payment's PaymentIntent only authorises
 * (`payment_intent_data[capture_method]=manual`, "Place a hold on a payment method"): it then waits in
 * `requires_capture` for the capture or the cancel.
 */
export function checkoutSessionParams(input: BuildRequestInput, paymentMethodTypes: readonly string[]): Record<string, FormValue> {
  const { payment, attempt } = input;
  const unitAmount = toStripeAmount(payment.amount, payment.currency);
  if (unitAmount === null) {
    throw new GatewayError('bank_error', `Stripe cannot charge this exact amount in ${payment.currency}`);
  }
  const manual = captureModeOf(payment) === 'manual';
  return {
    mode: 'payment',
    line_items: [
      {
        price_data: {
          currency: payment.currency.toLowerCase(),
          unit_amount: unitAmount,
          product_data: { name: payment.description?.trim() || payment.reference },
        },
        quantity: 1,
      },
    ],
    payment_method_types: [...paymentMethodTypes],
    client_reference_id: attempt.ref,
    // metadata[capture_method] marks a manual payment's session: its completion event comes unpaid, and
    // only such a session is worth a look at its PaymentIntent from the webhook (checkout-session.ts).
    metadata: { attempt_ref: attempt.ref, payment_id: payment.id, ...(manual ? { capture_method: 'manual' } : {}) },
    payment_intent_data: manual ? { capture_method: 'manual' } : undefined,
    success_url: withQuery(input.returnUrl, 'session_id={CHECKOUT_SESSION_ID}'),
    cancel_url: withQuery(input.returnUrl, 'session_id={CHECKOUT_SESSION_ID}&cancelled=1'),
    expires_at: sessionExpiresAt(payment, attempt),
    locale: input.locale,
    customer_email: payment.customer?.email,
  };
}
