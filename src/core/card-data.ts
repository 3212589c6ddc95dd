/**
 * Card data must never enter the gateway (it is what keeps the merchant out of PCI DSS card-data
 * scope). This module recognises it: by field name anywhere in a request, and by content in free text.
 * Hand-written because it is small and security-critical, and because the rules (which fields are free
 * text, which are identifiers) are ours.
 */

/** Field names that can only mean card data: card number, PAN, security code, expiry. */
const CARD_FIELD = /^(card[-_ ]?(number|num|no|pan|cvc|cvv|cvv2|expiry|exp|expiration|code|security[-_ ]?code)|pan|primary[-_ ]?account[-_ ]?number|cc[-_ ]?(number|num|cvc|cvv|exp)|cvc2?|cvv2?|cid|csc|security[-_ ]?code|expiry([-_ ]?date)?|exp[-_ ]?(date|month|year)|expiration([-_ ]?date)?)$/i;

export function isCardFieldName(name: string): boolean {
  return CARD_FIELD.test(name.trim());
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i -= 1) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Issuer prefixes of the networks a card page takes (Visa, Mastercard, Amex, Diners, Discover, JCB, UnionPay, Maestro). */
function hasKnownBrandPrefix(digits: string): boolean {
  const two = Number(digits.slice(0, 2));
  const three = Number(digits.slice(0, 3));
  const four = Number(digits.slice(0, 4));
  return (
    digits.startsWith('4') ||
    (two >= 51 && two <= 55) ||
    (four >= 2221 && four <= 2720) ||
    two === 34 ||
    two === 37 ||
    two === 36 ||
    two === 38 ||
    two === 39 ||
    (three >= 300 && three <= 305) ||
    digits.startsWith('6011') ||
    digits.startsWith('65') ||
    (three >= 644 && three <= 649) ||
    (four >= 3528 && four <= 3589) ||
    digits.startsWith('62') ||
    digits.startsWith('50') ||
    (two >= 56 && two <= 69)
  );
}

/** 13–19 digits, optionally grouped by single spaces or dashes. */
const CANDIDATE = /(?<![0-9])[0-9](?:[ -]?[0-9]){12,18}(?![0-9])/g;

/** Card-number-like sequences in a text: 13–19 digits (spaces/dashes allowed), Luhn-valid, known brand prefix. */
export function cardNumbersIn(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(CANDIDATE)) {
    const digits = match[0].replace(/[ -]/g, '');
    if (digits.length >= 13 && digits.length <= 19 && luhnValid(digits) && hasKnownBrandPrefix(digits)) found.push(match[0]);
  }
  return found;
}

export function containsCardNumber(text: string): boolean {
  return cardNumbersIn(text).length > 0;
}

/**
 * 13–19 digits (spaces/dashes allowed) touching no letter or digit on either side: a card number
 * standing on its own, as opposed to a run of digits inside an identifier (Lyra's hex `vads_trans_uuid`
 * holds a Luhn-valid run with a brand prefix in about one case in 1,500, and it is not a card number).
 */
const STANDALONE_CANDIDATE = /(?<![0-9A-Za-z])[0-9](?:[ -]?[0-9]){12,18}(?![0-9A-Za-z])/g;

/** Card-number-like sequences that stand alone in `text` (see STANDALONE_CANDIDATE), Luhn-valid with a known brand prefix. */
export function standaloneCardNumbersIn(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(STANDALONE_CANDIDATE)) {
    const digits = match[0].replace(/[ -]/g, '');
    if (luhnValid(digits) && hasKnownBrandPrefix(digits)) found.push(match[0]);
  }
  return found;
}

function maskOf(sequence: string): string {
  return `[card …${sequence.replace(/[ -]/g, '').slice(-4)}]`;
}

/** Replaces every card-like sequence with a mask that keeps only the last four digits. */
export function maskCardNumbers(text: string): string {
  if (!/[0-9]{4}/.test(text.replace(/[ -]/g, ''))) return text;
  let out = text;
  for (const seq of cardNumbersIn(text)) out = out.split(seq).join(maskOf(seq));
  return out;
}

/** Replaces every standalone card-like sequence with the same mask as maskCardNumbers. */
export function maskStandaloneCardNumbers(text: string): string {
  let out = text;
  for (const seq of standaloneCardNumbersIn(text)) out = out.split(seq).join(maskOf(seq));
  return out;
}

export interface CardDataFinding {
  /** Where it was found (never what): `metadata.note`, `cardNumber`. */
  path: string;
  kind: 'card_field' | 'card_number';
}

/**
 * Walks a parsed request body. Field names are checked everywhere; content is checked only in the
 * free-text paths given (identifiers such as `reference` may be numeric and Luhn-valid by chance).
 */
export function findCardData(value: unknown, isFreeText: (path: string) => boolean, path = ''): CardDataFinding | null {
  if (typeof value === 'string') return path && isFreeText(path) && containsCardNumber(value) ? { path, kind: 'card_number' } : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const found = findCardData(value[i], isFreeText, path ? `${path}.${i}` : String(i));
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const childPath = path ? `${path}.${key}` : key;
      if (isCardFieldName(key)) return { path: childPath, kind: 'card_field' };
      const found = findCardData(child, isFreeText, childPath);
      if (found) return found;
    }
  }
  return null;
}
