import { luhnValid } from '../src/index.js';
import type { ThreeDSecureCase } from './three-d-secure.js';
/**
 * The sandbox bank's card rules: what a real issuer checks before it even looks at an account, and
 * which outcome each test card produces. Pure functions of their inputs (and an explicit date), so
 * they are tested without HTTP.
 */

export type CardBrand = 'visa' | 'mastercard' | 'amex' | 'diners';

export const CARD_BRANDS: readonly CardBrand[] = ['visa', 'mastercard', 'amex', 'diners'];

export function isCardBrand(value: unknown): value is CardBrand {
  return typeof value === 'string' && (CARD_BRANDS as readonly string[]).includes(value);
}

/**
 * Digits only, or undefined when the text holds anything but digits, spaces and dashes (the
 * separators buyers type when copying from a card) or has a length no card number has.
 */
export function normaliseCardNumber(text: string): string | undefined {
  if (!/^[\d\s-]+$/.test(text)) return undefined;
  const digits = text.replace(/[\s-]/g, '');
  return digits.length >= 12 && digits.length <= 19 ? digits : undefined;
}

/** The Luhn (mod 10) check digit test every card number passes (the gateway's own card-data check). */
export function passesLuhn(digits: string): boolean {
  return /^\d+$/.test(digits) && luhnValid(digits);
}

/** The brand a number belongs to by its issuer prefix and length, or undefined for none we accept. */
export function detectBrand(digits: string): CardBrand | undefined {
  const length = digits.length;
  const first2 = Number(digits.slice(0, 2));
  const first3 = Number(digits.slice(0, 3));
  const first4 = Number(digits.slice(0, 4));
  if (digits.startsWith('4') && (length === 13 || length === 16 || length === 19)) return 'visa';
  if (length === 16 && ((first2 >= 51 && first2 <= 55) || (first4 >= 2221 && first4 <= 2720))) return 'mastercard';
  if (length === 15 && (first2 === 34 || first2 === 37)) return 'amex';
  if (length === 14 && (first2 === 36 || first2 === 38 || first2 === 39 || (first3 >= 300 && first3 <= 305))) return 'diners';
  return undefined;
}

export interface ExpiryDate {
  month: number;
  /** Four digits. */
  year: number;
}

/**
 * `MM/YY` as buyers type it → month and four-digit year; undefined otherwise. A phone's numeric
 * keypad has no slash, so `MMYY` is read too, and spaces around the slash are tolerated (`12 / 30`).
 */
export function parseExpiry(text: string): ExpiryDate | undefined {
  const match = /^\s*(\d{2})\s*(?:\/\s*)?(\d{2})\s*$/.exec(text);
  if (!match) return undefined;
  const month = Number(match[1]);
  if (month < 1 || month > 12) return undefined;
  return { month, year: 2000 + Number(match[2]) };
}

/** A card is valid through the last day of its expiry month, so the current month still pays. */
export function isExpired(expiry: ExpiryDate, now: Date): boolean {
  const currentYear = now.getUTCFullYear();
  const currentMonth = now.getUTCMonth() + 1;
  return expiry.year < currentYear || (expiry.year === currentYear && expiry.month < currentMonth);
}

/** American Express prints a 4-digit code on the front; the others a 3-digit code on the back. */
export function securityCodeLength(brand: CardBrand): number {
  return brand === 'amex' ? 4 : 3;
}

export function isValidSecurityCode(code: string, brand: CardBrand): boolean {
  return new RegExp(`^\\d{${securityCodeLength(brand)}}$`).test(code);
}

/** Why the sandbox declines a test card; travels as `txn.reason` in the response. */
export type DeclineReason = 'card_declined' | 'insufficient_funds';

export type CardOutcome = { status: 'authorised' } | { status: 'refused'; reason: DeclineReason };

const DECLINED_TEST_CARDS: ReadonlyMap<string, DeclineReason> = new Map([
  ['4000000000000002', 'card_declined'],
  ['4000000000009995', 'insufficient_funds'],
]);

/**
 * What the sandbox issuer answers for a number that already passed the form checks: the listed
 * test cards are declined, every other valid number is authorised.
 */
export function outcomeForCard(digits: string): CardOutcome {
  const reason = DECLINED_TEST_CARDS.get(digits);
  return reason ? { status: 'refused', reason } : { status: 'authorised' };
}

const THREE_D_SECURE_TEST_CARDS: ReadonlyMap<string, ThreeDSecureCase> = new Map([
  ['4000000000003055', 'frictionless'],
  ['4000000000003220', 'challenge'],
  ['4000000000003063', 'attempted'],
  ['4000000000003097', 'not_enrolled'],
  ['4000000000003105', 'acs_unavailable'],
  ['5200000000003183', 'frictionless'],
]);

/**
 * What the sandbox's 3-D Secure server does with a card, or undefined for a card that does not take
 * part (every card outside this list: its response carries no authentication fields, as before).
 */
export function threeDSecureCaseForCard(digits: string): ThreeDSecureCase | undefined {
  return THREE_D_SECURE_TEST_CARDS.get(digits);
}

export function lastFour(digits: string): string {
  return digits.slice(-4);
}

export interface TestCard {
  /** As printed, with its usual grouping. */
  number: string;
  brand: CardBrand;
  outcome: CardOutcome;
  /** The 3-D Secure case of a card that takes part in it. */
  threeDSecure?: ThreeDSecureCase;
}

/** The cards listed on the sandbox's home page. Any expiry date not in the past and any code of the right length work. */
export const TEST_CARDS: readonly TestCard[] = [
  { number: '4242 4242 4242 4242', brand: 'visa', outcome: { status: 'authorised' } },
  { number: '4000 0000 0000 0002', brand: 'visa', outcome: { status: 'refused', reason: 'card_declined' } },
  { number: '4000 0000 0000 9995', brand: 'visa', outcome: { status: 'refused', reason: 'insufficient_funds' } },
  { number: '5555 5555 5555 4444', brand: 'mastercard', outcome: { status: 'authorised' } },
  { number: '3782 822463 10005', brand: 'amex', outcome: { status: 'authorised' } },
  { number: '3622 720627 1667', brand: 'diners', outcome: { status: 'authorised' } },
  { number: '4000 0000 0000 3055', brand: 'visa', outcome: { status: 'authorised' }, threeDSecure: 'frictionless' },
  { number: '5200 0000 0000 3183', brand: 'mastercard', outcome: { status: 'authorised' }, threeDSecure: 'frictionless' },
  { number: '4000 0000 0000 3220', brand: 'visa', outcome: { status: 'authorised' }, threeDSecure: 'challenge' },
  { number: '4000 0000 0000 3063', brand: 'visa', outcome: { status: 'authorised' }, threeDSecure: 'attempted' },
  { number: '4000 0000 0000 3097', brand: 'visa', outcome: { status: 'authorised' }, threeDSecure: 'not_enrolled' },
  { number: '4000 0000 0000 3105', brand: 'visa', outcome: { status: 'authorised' }, threeDSecure: 'acs_unavailable' },
];
