/**
 * The sandbox issuer's 3-D Secure 2 server (its ACS), as the test cards ask for it. Pure functions, so
 * each case is tested without HTTP. Vocabulary from EMVCo's 3-D Secure Protocol and Core Functions
 * Specification v2.2.0: `transStatus` letters and `transStatusReason` codes. Brands are taken as the
 * card rules name them (cards.ts, which lists the test cards of each case and so imports from here).
 */

/** A card brand of cards.ts (`visa`, `mastercard`, …). */
type CardBrand = string;

/** What the sandbox's ACS does with a test card. */
export type ThreeDSecureCase = 'frictionless' | 'challenge' | 'attempted' | 'not_enrolled' | 'acs_unavailable';

/** EMV 3DS `transStatus`: Y authenticated, A attempted, N not authenticated, U not performed, R rejected. */
export type TransStatus = 'Y' | 'A' | 'N' | 'U' | 'R';

/** How the challenge of a `challenge` card ended. */
export type ChallengeEnd = 'passed' | 'failed' | 'abandoned';

/** The 3-D Secure result the bank keeps on a transaction and sends in each protocol's own fields. */
export interface BankAuthentication {
  readonly transStatus: TransStatus;
  /** EMV `transStatusReason`: `01` authentication failed, `13` not enrolled, `22` ACS technical issue. */
  readonly transStatusReason?: string;
  /** Electronic Commerce Indicator, by the card's scheme. */
  readonly eci: string;
  readonly liabilityShift: boolean;
  /** The protocol version the ACS answered in. */
  readonly version: string;
  /** Whether the card is enrolled in 3-D Secure at all. */
  readonly enrolled: boolean;
  /** `challenge` when the buyer was asked for a code, `frictionless` when not, `none` without authentication. */
  readonly method: 'frictionless' | 'challenge' | 'none';
  /** The buyer pressed Cancel on the challenge page. */
  readonly abandoned?: boolean;
}

export const THREE_DS_VERSION = '2.2.0';

/** Wrong codes the challenge page accepts before it refuses the payment. */
export const CHALLENGE_TRIES = 3;

/** The refusal reasons of a failed or abandoned challenge (the native `txn.reason`). */
export const AUTHENTICATION_FAILED = 'authentication_failed';
export const AUTHENTICATION_ABANDONED = 'authentication_abandoned';

/**
 * ECI by scheme: Mastercard writes 02 authenticated, 01 attempted, 00 neither; Visa, Amex and Diners
 * write 05, 06 and 07.
 */
export function eciFor(brand: CardBrand, status: TransStatus): string {
  const mastercard = brand === 'mastercard';
  if (status === 'Y') return mastercard ? '02' : '05';
  if (status === 'A') return mastercard ? '01' : '06';
  return mastercard ? '00' : '07';
}

function result(brand: CardBrand, transStatus: TransStatus, rest: Omit<BankAuthentication, 'transStatus' | 'eci' | 'version'>): BankAuthentication {
  return { transStatus, eci: eciFor(brand, transStatus), version: THREE_DS_VERSION, ...rest };
}

/** The result of every case decided without the buyer: all but `challenge`. */
export function authenticationWithoutChallenge(threeDSecure: Exclude<ThreeDSecureCase, 'challenge'>, brand: CardBrand): BankAuthentication {
  switch (threeDSecure) {
    case 'frictionless':
      return result(brand, 'Y', { liabilityShift: true, enrolled: true, method: 'frictionless' });
    case 'attempted':
      // The issuer could not authenticate but proves the attempt: the liability still shifts.
      return result(brand, 'A', { liabilityShift: true, enrolled: true, method: 'frictionless' });
    case 'not_enrolled':
      return result(brand, 'U', { transStatusReason: '13', liabilityShift: false, enrolled: false, method: 'none' });
    case 'acs_unavailable':
      return result(brand, 'U', { transStatusReason: '22', liabilityShift: false, enrolled: true, method: 'none' });
  }
}

/** The result of a challenge, once the buyer typed the right code, ran out of tries or cancelled. */
export function authenticationAfterChallenge(end: ChallengeEnd, brand: CardBrand): BankAuthentication {
  if (end === 'passed') return result(brand, 'Y', { liabilityShift: true, enrolled: true, method: 'challenge' });
  return result(brand, 'N', {
    ...(end === 'failed' ? { transStatusReason: '01' } : { abandoned: true }),
    liabilityShift: false,
    enrolled: true,
    method: 'challenge',
  });
}

/** Whether the payment may go on to the authorisation after this result: only a failed challenge stops it. */
export function authorisable(authentication: BankAuthentication): boolean {
  return authentication.transStatus !== 'N' && authentication.transStatus !== 'R';
}
