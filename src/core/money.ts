import cc from 'currency-codes';

/**
 * Money is an integer count of minor units plus an ISO 4217 alphabetic code.
 * Amounts are never floats: conversions to decimal text are done on strings and BigInt.
 */
export interface Currency {
  code: string;
  numeric: string;
  minorUnits: number;
}

// Codes in the ISO list that are not money a buyer can pay with (precious metals, testing, SDR, bond units).
const NOT_PAYABLE = new Set(['XXX', 'XTS', 'XAU', 'XAG', 'XPD', 'XPT', 'XBA', 'XBB', 'XBC', 'XBD', 'XDR', 'XSU', 'XUA', 'BOV', 'CHE', 'CHW', 'CLF', 'COU', 'MXV', 'USN', 'UYI', 'UYW']);

const byCode = new Map<string, Currency>();
const byNumeric = new Map<string, Currency>();
for (const code of cc.codes()) {
  const entry = cc.code(code);
  if (!entry || NOT_PAYABLE.has(code) || typeof entry.digits !== 'number') continue;
  const currency: Currency = { code, numeric: entry.number.padStart(3, '0'), minorUnits: entry.digits };
  byCode.set(code, currency);
  byNumeric.set(currency.numeric, currency);
}

export function findCurrency(code: string): Currency | undefined {
  return byCode.get(code);
}

export function findCurrencyByNumeric(numeric: string): Currency | undefined {
  return byNumeric.get(numeric.padStart(3, '0'));
}

export function isMinorAmount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** An amount of money that moves (a payment, a capture, a refund): at least one minor unit. */
export function isPositiveMinorAmount(value: unknown): value is number {
  return isMinorAmount(value) && value > 0;
}

/** `2480, EUR` → `"24.80"`; `1500, JPY` → `"1500"`; `1, BHD` → `"0.001"`. */
export function toDecimalString(amount: number, currency: Currency): string {
  if (!isMinorAmount(amount)) throw new TypeError('amount must be a non-negative safe integer of minor units');
  const digits = BigInt(amount).toString();
  if (currency.minorUnits === 0) return digits;
  const padded = digits.padStart(currency.minorUnits + 1, '0');
  return `${padded.slice(0, -currency.minorUnits)}.${padded.slice(-currency.minorUnits)}`;
}

/** Inverse of toDecimalString; refuses anything but exact decimal text with the currency's minor digits or fewer. */
export function fromDecimalString(text: string, currency: Currency): number {
  const match = /^(\d{1,15})(?:\.(\d+))?$/.exec(text);
  if (!match) throw new TypeError(`not a decimal amount: ${JSON.stringify(text)}`);
  const fraction = match[2] ?? '';
  if (fraction.length > currency.minorUnits) throw new TypeError(`too many decimals for ${currency.code}`);
  const minor = BigInt(match[1]!) * 10n ** BigInt(currency.minorUnits) + BigInt(fraction.padEnd(currency.minorUnits, '0') || '0');
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('amount too large');
  return Number(minor);
}

const formatters = new Map<string, Intl.NumberFormat>();

/** Formats for a buyer, e.g. `24,80 €` in French. Intl receives the exact decimal string, not a float. */
export function formatAmount(amount: number, currency: Currency, locale: string): string {
  const key = `${locale}|${currency.code}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: currency.code,
      minimumFractionDigits: currency.minorUnits,
      maximumFractionDigits: currency.minorUnits,
    });
    formatters.set(key, formatter);
  }
  // Intl.NumberFormat accepts decimal strings (ECMA-402 NumberFormat v3) and formats them exactly.
  return formatter.format(toDecimalString(amount, currency) as unknown as number);
}
