import {
  detectBrand,
  isCardBrand,
  isExpired,
  isValidSecurityCode,
  lastFour,
  normaliseCardNumber,
  outcomeForCard,
  parseExpiry,
  passesLuhn,
  threeDSecureCaseForCard,
  type CardBrand,
  type CardOutcome,
} from './cards.js';
import type { CardEntryProblem } from './texts.js';
import type { ThreeDSecureCase } from './three-d-secure.js';

/** The card form's fields as posted; anything may be missing or of the wrong type. */
export interface CardEntryForm {
  cardNumber?: unknown;
  expiry?: unknown;
  cvc?: unknown;
  cardType?: unknown;
}

export type CardField = 'cardNumber' | 'expiry' | 'cvc' | 'cardType';

/** All that survives of a card once it is accepted: the number and the code are gone. */
export interface AcceptedCard {
  brand: CardBrand;
  last4: string;
  outcome: CardOutcome;
  /** What the issuer's 3-D Secure server does with this card; absent for a card that takes no part. */
  threeDSecure?: ThreeDSecureCase;
}

export type CardEntryResult =
  | { accepted: true; card: AcceptedCard }
  | {
      accepted: false;
      problems: Partial<Record<CardField, CardEntryProblem>>;
      /** Values safe to show again in the form. The number and security code are never among them. */
      kept: { cardType: CardBrand | undefined; expiry: string };
    };

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/**
 * Checks a submitted card the way an issuer's form does, collecting every problem at once so the
 * buyer corrects them in one go. The number and security code live only in this call's locals.
 */
export function checkCardEntry(form: CardEntryForm, now: Date): CardEntryResult {
  const problems: Partial<Record<CardField, CardEntryProblem>> = {};
  const cardType = isCardBrand(form.cardType) ? form.cardType : undefined;
  if (!cardType) problems.cardType = 'card_type_missing';

  const digits = normaliseCardNumber(text(form.cardNumber));
  if (!digits || !passesLuhn(digits)) problems.cardNumber = 'number_invalid';
  else if (cardType && detectBrand(digits) !== cardType) problems.cardNumber = 'number_brand_mismatch';

  const expiryText = text(form.expiry).trim().slice(0, 10);
  const expiry = parseExpiry(expiryText);
  if (!expiry) problems.expiry = 'expiry_format';
  else if (isExpired(expiry, now)) problems.expiry = 'expired';

  const code = text(form.cvc).trim();
  const codeFits = cardType ? isValidSecurityCode(code, cardType) : /^\d{3,4}$/.test(code);
  if (!codeFits) problems.cvc = 'security_code_length';

  if (!digits || !cardType || Object.keys(problems).length > 0) {
    return { accepted: false, problems, kept: { cardType, expiry: expiryText } };
  }
  const threeDSecure = threeDSecureCaseForCard(digits);
  return {
    accepted: true,
    card: { brand: cardType, last4: lastFour(digits), outcome: outcomeForCard(digits), ...(threeDSecure !== undefined ? { threeDSecure } : {}) },
  };
}
