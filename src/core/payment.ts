/**
 * The payment domain: what the merchant asked to be paid, and each trip of the buyer to the bank.
 * Plain data, serialisable as JSON, so both stores keep exactly the same shape.
 */
export type PaymentStatus = 'created' | 'pending' | 'succeeded' | 'failed' | 'cancelled' | 'expired';

export const PAYMENT_STATUSES: readonly PaymentStatus[] = ['created', 'pending', 'succeeded', 'failed', 'cancelled', 'expired'];

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
}

/** Marks left on a payment when the bank said something that did not fit the payment's story. */
export type AnomalyKind =
  | 'succeeded_after_expiry'
  | 'succeeded_after_cancellation'
  | 'second_success'
  | 'regression_after_success'
  | 'amount_mismatch'
  | 'currency_mismatch'
  | 'unknown_attempt';

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
}

/** A payment may still be paid: it holds its reference and a new attempt may start. */
export function isOpen(status: PaymentStatus): boolean {
  switch (status) {
    case 'created':
    case 'pending':
    case 'failed':
      return true;
    case 'succeeded':
    case 'cancelled':
    case 'expired':
      return false;
    default:
      return assertNever(status);
  }
}

export function currentAttempt(payment: Payment): Attempt | undefined {
  return payment.attempts[payment.attempts.length - 1];
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${String(value)}`);
}
