import { InvalidBankMessageError } from '../../core/errors.js';
import { findCurrency, fromDecimalString, toDecimalString } from '../../core/money.js';

/** `2480, EUR` → `24.80EUR`: decimal amount (no floats) followed by the alphabetic currency code. */
export function formatMontant(amount: number, currencyCode: string): string {
  const currency = findCurrency(currencyCode);
  if (!currency) throw new TypeError(`unknown currency ${currencyCode}`);
  return `${toDecimalString(amount, currency)}${currency.code}`;
}

/**
 * `24.80EUR` → `{ amount: 2480, currency: 'EUR' }`, exactly. Monetico writes an integer, optionally
 * a point and up to the currency's minor digits, then the code; anything else (`24.800EUR`,
 * `1e3EUR`, `24,80EUR`, signs, spaces) is refused rather than guessed at.
 */
export function parseMontant(text: string): { amount: number; currency: string } {
  const match = /^(\d{1,15})(?:\.(\d*))?([A-Z]{3})$/.exec(text);
  if (!match) throw new InvalidBankMessageError('malformed_amount');
  const currency = findCurrency(match[3]!);
  if (!currency) throw new InvalidBankMessageError('unknown_currency');
  const fraction = match[2] ?? '';
  try {
    return { amount: fromDecimalString(fraction ? `${match[1]}.${fraction}` : match[1]!, currency), currency: currency.code };
  } catch {
    throw new InvalidBankMessageError('malformed_amount');
  }
}
