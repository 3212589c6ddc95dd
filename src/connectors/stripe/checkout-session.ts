import { z } from 'zod';
import { InvalidBankMessageError } from '../../core/errors.js';
import { assertNever } from '../../core/payment.js';
import type { BankOutcome } from '../../core/transition.js';
import { refuseCardNumber } from '../card-number-refusal.js';
import { fromStripeAmount } from './amounts.js';

/** Checkout Session ids as Stripe issues them; checked before one is ever put in an API path. */
export const SESSION_ID = /^cs_(test|live)_[A-Za-z0-9]{1,250}$/;

const charge = z.object({
  id: z.string(),
  payment_method_details: z
    .object({
      card: z.object({ brand: z.string().nullish(), last4: z.string().nullish() }).nullish(),
    })
    .nullish(),
});

/** PaymentIntent ids as Stripe issues them; checked before one is ever put in an API path. */
export const PAYMENT_INTENT_ID = /^pi_[A-Za-z0-9]{1,250}$/;

const paymentIntent = z.object({
  id: z.string().regex(PAYMENT_INTENT_ID),
  /** `requires_capture` once a manual payment is authorised; read only when the session is unpaid. */
  status: z.string().max(40).optional(),
  latest_charge: z.union([z.string(), charge]).nullish(),
});

/** The part of a Checkout Session object the gateway reads (webhook `data.object`, or a retrieve). */
export const checkoutSessionSchema = z.object({
  id: z.string().regex(SESSION_ID),
  object: z.literal('checkout.session'),
  livemode: z.boolean(),
  mode: z.string(),
  status: z.enum(['open', 'complete', 'expired']).nullable(),
  payment_status: z.enum(['paid', 'unpaid', 'no_payment_required']),
  amount_total: z.number().int().nonnegative().nullable(),
  currency: z.string().regex(/^[a-z]{3}$/).nullable(),
  client_reference_id: z.string().max(200).nullable(),
  metadata: z.record(z.string(), z.string()).nullish(),
  payment_intent: z.union([z.string().regex(PAYMENT_INTENT_ID), paymentIntent]).nullish(),
  url: z.string().nullish(),
});

export type CheckoutSession = z.infer<typeof checkoutSessionSchema>;

export function parseCheckoutSession(value: unknown): CheckoutSession {
  const parsed = checkoutSessionSchema.safeParse(value);
  if (!parsed.success) throw new InvalidBankMessageError('malformed_session');
  return parsed.data;
}

/**
 * The attempt a session belongs to, or null for a session this gateway did not create (another
 * integration on the same Stripe account): we always set both client_reference_id and
 * metadata[attempt_ref], and they must agree.
 */
export function attemptRefOf(session: CheckoutSession): string | null {
  const fromMetadata = session.metadata?.attempt_ref;
  const ref = session.client_reference_id;
  if (ref === null && fromMetadata === undefined) return null;
  if (ref === null || (fromMetadata !== undefined && fromMetadata !== ref)) throw new InvalidBankMessageError('reference_mismatch');
  return ref;
}

const CARD_BRAND = /^[a-z_]{1,20}$/;
const LAST4 = /^\d{4}$/;

/** Brand and last four digits of the card that paid, when the session was retrieved with its charge expanded. */
export function cardOf(session: CheckoutSession): BankOutcome['card'] {
  const pi = session.payment_intent;
  if (!pi || typeof pi === 'string') return undefined;
  const latest = pi.latest_charge;
  if (!latest || typeof latest === 'string') return undefined;
  const card = latest.payment_method_details?.card;
  if (!card?.brand || !card.last4 || !CARD_BRAND.test(card.brand) || !LAST4.test(card.last4)) return undefined;
  return { brand: card.brand, last4: card.last4 };
}

export function paymentIntentIdOf(session: CheckoutSession): string | undefined {
  const pi = session.payment_intent;
  if (!pi) return undefined;
  return typeof pi === 'string' ? pi : pi.id;
}

/**
 * What a session says about its attempt, with `status` decided by the caller (the webhook's event type
 * or the retrieved session's state). The amount and currency are reported as Stripe has them: the state
 * machine compares them with the payment, the connector never does.
 */
export function outcomeOf(session: CheckoutSession, attemptRef: string, status: BankOutcome['status']): BankOutcome {
  if (session.amount_total === null || session.currency === null) throw new InvalidBankMessageError('malformed_session');
  const currency = session.currency.toUpperCase();
  const outcome: BankOutcome = {
    attemptRef,
    status,
    amount: fromStripeAmount(session.amount_total, currency),
    currency,
    // Verbatim Stripe state, for support: "complete:paid", "expired:unpaid", …
    responseCode: `${session.status ?? 'unknown'}:${session.payment_status}`,
  };
  const pi = paymentIntentIdOf(session);
  // Stored and shown as the bank transaction id: a Stripe id never holds a card number.
  refuseCardNumber('payment_intent', pi, 'identifier');
  if (pi) outcome.bankTransactionId = pi;
  const card = cardOf(session);
  if (card) outcome.card = card;
  return outcome;
}

/** The session's PaymentIntent, when expanded, holds an authorisation waiting for its capture. */
function holdsAuthorisation(session: CheckoutSession): boolean {
  const pi = session.payment_intent;
  return typeof pi === 'object' && pi !== null && pi.status === 'requires_capture';
}

/** Created for a manual payment (session-request.ts sets the mark). */
export function isManualCaptureSession(session: CheckoutSession): boolean {
  return session.metadata?.capture_method === 'manual';
}

/**
 * A retrieved session's state as an outcome status. `cancelled` is the buyer's own word (cancel_url);
 * the connector only uses it once the session can no longer be paid.
 */
export function statusOfSession(session: CheckoutSession): BankOutcome['status'] {
  switch (session.status) {
    case 'complete':
      if (session.payment_status === 'paid') return 'authorised';
      // A manual capture completes the session unpaid with the authorisation held on its PaymentIntent;
      // an asynchronous method (SEPA debit, …) completes it unpaid too, and its verdict comes by webhook.
      return holdsAuthorisation(session) ? 'authorised' : 'pending';
    case 'expired':
      return 'cancelled';
    case 'open':
    case null:
      return 'pending';
    default:
      return assertNever(session.status);
  }
}
