import { findCurrency } from '../../core/money.js';

/**
 * Our amounts are integer ISO 4217 minor units. Stripe also counts in the currency's smallest unit and
 * agrees with ISO for almost every currency (EUR 2480 = €24.80, JPY 1500 = ¥1500, KWD 5120 = 5.120 KD),
 * with these exceptions from Stripe's currency documentation:
 * - ISK: zero-decimal in ISO, two-decimal in Stripe's API (and only whole krónur): ISK 500 is 50000.
 * - MGA: two-decimal in ISO, zero-decimal in Stripe: only whole ariary can be charged.
 * - Three-decimal currencies (BHD, JOD, KWD, OMR, TND): same unit, but the last digit must be 0.
 */
const STRIPE_DECIMALS: Readonly<Record<string, number>> = { ISK: 2, MGA: 0 };

/** The multiple (in Stripe's units) every amount must be: ISK whole krónur, three-decimal currencies tens. */
const STRIPE_STEP: Readonly<Record<string, number>> = { ISK: 100, BHD: 10, JOD: 10, KWD: 10, OMR: 10, TND: 10 };

function decimalsOf(currency: string): { iso: number; stripe: number } {
  const known = findCurrency(currency);
  if (!known) throw new RangeError(`unknown currency ${currency}`);
  return { iso: known.minorUnits, stripe: STRIPE_DECIMALS[currency] ?? known.minorUnits };
}

/**
 * Our minor units → Stripe's `unit_amount`, or null when Stripe cannot charge exactly this amount
 * (MGA with fractional ariary, KWD 5.125): we never round what the merchant asked for.
 */
export function toStripeAmount(amount: number, currency: string): number | null {
  if (!Number.isSafeInteger(amount) || amount < 0) return null;
  const { iso, stripe } = decimalsOf(currency);
  let value: number;
  if (stripe >= iso) {
    value = amount * 10 ** (stripe - iso);
  } else {
    const divisor = 10 ** (iso - stripe);
    if (amount % divisor !== 0) return null;
    value = amount / divisor;
  }
  if (!Number.isSafeInteger(value)) return null;
  const step = STRIPE_STEP[currency] ?? 1;
  return value % step === 0 ? value : null;
}

/**
 * Stripe's `amount_total` → our minor units. An amount our unit cannot express (ISK 50050, half a
 * króna) comes back fractional, so it can never equal the amount asked for and is refused as a mismatch.
 */
export function fromStripeAmount(amount: number, currency: string): number {
  // A currency we do not know cannot be the payment's: the state machine refuses it on the currency.
  if (!findCurrency(currency)) return amount;
  const { iso, stripe } = decimalsOf(currency);
  return stripe >= iso ? amount / 10 ** (stripe - iso) : amount * 10 ** (iso - stripe);
}
