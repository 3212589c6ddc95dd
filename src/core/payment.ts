import { assertNever } from './assert-never.js';
import type { Authentication } from './authentication.js';
import type { Refund } from './refund.js';

export { assertNever };

/**
 * The payment domain: what the merchant asked to be paid, and each trip of the buyer to the bank.
 * Plain data, serialisable as JSON, so both stores keep exactly the same shape.
 *
 * `authorized` exists only for manual capture: the bank reserved the money, nothing is taken until a
 * capture (then `succeeded`) or a void (then `cancelled`, reason `voided`).
 */
export type PaymentStatus = 'created' | 'pending' | 'authorized' | 'succeeded' | 'failed' | 'cancelled' | 'expired';

export const PAYMENT_STATUSES: readonly PaymentStatus[] = ['created', 'pending', 'authorized', 'succeeded', 'failed', 'cancelled', 'expired'];

/** `automatic`: the bank takes the money when it authorises (today's flow). `manual`: it only reserves it. */
export type CaptureMode = 'automatic' | 'manual';

export const CAPTURE_MODES: readonly CaptureMode[] = ['automatic', 'manual'];

/** Why a payment was cancelled, when it is not the plain merchant or bank cancellation of an unpaid payment. */
export type CancellationReason = 'voided';

export type AttemptStatus = 'pending' | 'authorised' | 'refused' | 'cancelled' | 'error';

export type Locale = 'en' | 'fr';

export interface MaskedCard {
  /** visa, mastercard, amex, diners, … as the bank names it. */
  brand: string;
  last4: string;
}

export interface Attempt {
  /** Our unique reference for this trip to the bank (the bank's transaction reference). */
  ref: string;
  connector: string;
  status: AttemptStatus;
  createdAt: string;
  updatedAt: string;
  bankTransactionId?: string;
  authorisationCode?: string;
  card?: MaskedCard;
  /** The bank's own response code, kept verbatim for support. */
  responseCode?: string;
  /** The 3-D Secure result, when the bank's message gives one. */
  authentication?: Authentication;
  /** Refused by a message that does not tell a refusal from the buyer's cancellation (BankOutcome). */
  refusedOrCancelled?: true;
}

/** Marks left on a payment when the bank said something that did not fit the payment's story. */
export type AnomalyKind =
  | 'succeeded_after_expiry'
  | 'succeeded_after_cancellation'
  | 'second_success'
  | 'regression_after_success'
  | 'amount_mismatch'
  | 'currency_mismatch'
  | 'unknown_attempt'
  /**
   * A refund made at the bank without the gateway (its dashboard) gave back more than was left
   * refundable here (refunds the gateway had reserved meanwhile): recorded all the same.
   */
  | 'refunds_exceed_captured'
  /** The bank reported a refund done after it had told us that refund failed (its amount was released). */
  | 'refund_after_failure'
  /** A manual payment the bank captured in full at once (it ignored the request): nothing is left to capture. */
  | 'captured_by_bank';

export interface Customer {
  email?: string;
  locale?: Locale;
}

export interface Payment {
  id: string;
  /** Incremented by every change; the stores compare-and-set on it, and events carry it. */
  version: number;
  status: PaymentStatus;
  amount: number;
  currency: string;
  reference: string;
  description: string | null;
  customer: Customer | null;
  returnUrl: string | null;
  metadata: Record<string, string>;
  connector: string;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
  attempts: Attempt[];
  anomalies: AnomalyKind[];
  /**
   * The anomalies already recorded about one operation (a refund, a capture), as
   * `{operation id}:{kind}`: such an anomaly is recorded and notified once per operation, where
   * `anomalies` lists each kind once for the payment. Absent until the first one; not part of the
   * merchant API's view (the payment.anomaly events carry each one).
   */
  operationAnomalies?: string[];
  /**
   * The fields below are absent on an automatic payment nothing was refunded from, so payments stored
   * before manual capture and refunds existed read the same, and today's API answers do not change.
   * Read them through the functions of payment-money.ts, which give an automatic payment's implied values.
   */
  /** Absent means `automatic`. */
  capture?: CaptureMode;
  /** Manual capture, once authorized: the bank's limit to capture (ISO time); the reservation lapses then. */
  captureBefore?: string;
  /** Manual capture: what may still be captured (minor units); 0 once captured in full, released or voided. */
  amountCapturable?: number;
  /** Sum of the captures (minor units). Implied `amount` for a succeeded automatic payment. */
  amountCaptured?: number;
  /** Sum of the refunds the bank confirmed (minor units). */
  amountRefunded?: number;
  /**
   * The refunds, oldest first. Each is an object of its own (id, status, lifecycle), kept in its
   * payment's record so that the compare-and-set guarding every change of the payment also guards
   * the refund invariant (see docs/architecture.md).
   */
  refunds?: Refund[];
  cancellationReason?: CancellationReason;
  /**
   * How the buyer reaches the bank, when the merchant chose for this payment: `direct`, the checkout
   * page sends itself on; `confirm`, it waits for "Pay". Absent: the gateway's CHECKOUT_MODE.
   */
  checkout?: CheckoutMode;
  /** Where "Back to the shop" on the checkout page leads (allow-listed like returnUrl); absent: returnUrl. */
  cancelUrl?: string;
  /**
   * The merchant asked to be told when the buyer leaves the checkout page by "Back to the shop"
   * (`payment.checkout_abandoned`). Absent: the link is a plain link and nothing is recorded.
   */
  notifyCheckoutAbandoned?: true;
  /** When the buyer first left the checkout page by "Back to the shop" (recorded once, when asked for). */
  checkoutAbandonedAt?: string;
}

export type CheckoutMode = 'confirm' | 'direct';

export function captureModeOf(payment: Payment): CaptureMode {
  return payment.capture ?? 'automatic';
}

/** A payment may still be paid: it holds its reference and a new attempt may start. */
export function isOpen(status: PaymentStatus): boolean {
  switch (status) {
    case 'created':
    case 'pending':
    case 'failed':
      return true;
    case 'authorized':
    case 'succeeded':
    case 'cancelled':
    case 'expired':
      return false;
    default:
      return assertNever(status);
  }
}

/**
 * A payment holds its reference's open slot while it may still be paid, and while its authorisation
 * waits for a capture or a void: a second payment for the same order would reserve the money twice.
 */
export function holdsOpenSlot(status: PaymentStatus): boolean {
  switch (status) {
    case 'created':
    case 'pending':
    case 'failed':
    case 'authorized':
      return true;
    case 'succeeded':
    case 'cancelled':
    case 'expired':
      return false;
    default:
      return assertNever(status);
  }
}

/**
 * Whether the gateway waits for the bank's word on this payment: the outcome of a pending attempt, or
 * of a refund sent and not yet answered. Such a payment is asked about (status query) until it knows.
 */
export function awaitsBankAnswer(payment: Payment): boolean {
  return payment.status === 'pending' || (payment.refunds ?? []).some((r) => r.status === 'pending');
}

/**
 * When the expire command falls due for this payment: expiresAt while it is open, captureBefore while
 * its authorisation waits (the bank releases the money then); null once nothing can lapse.
 */
export function expiryDueAt(payment: Payment): string | null {
  switch (payment.status) {
    case 'created':
    case 'pending':
    case 'failed':
      return payment.expiresAt;
    case 'authorized':
      return payment.captureBefore ?? payment.expiresAt;
    case 'succeeded':
    case 'cancelled':
    case 'expired':
      return null;
    default:
      return assertNever(payment.status);
  }
}

export function currentAttempt(payment: Payment): Attempt | undefined {
  return payment.attempts[payment.attempts.length - 1];
}
