/**
 * What the bank says about the buyer's 3-D Secure authentication of one attempt, in words shared by
 * every protocol. Each connector maps its own fields onto it; a value it does not know becomes
 * `unknown`, never an error, so a new code from the bank can never turn a verified payment away.
 *
 * - `authenticated`: the issuer authenticated the cardholder (EMV 3DS `Y`), with or without a challenge.
 * - `attempted`: the issuer was not able to authenticate but the attempt is proven (`A`).
 * - `failed`: the cardholder failed or abandoned the challenge (`N`).
 * - `rejected`: the issuer refused to authenticate (`R`).
 * - `unavailable`: authentication could not be performed, e.g. the issuer's ACS was down (`U`).
 * - `not_enrolled`: the card is not enrolled in 3-D Secure, no authentication took place.
 * - `unknown`: the bank sent a value this gateway does not know.
 */
export type AuthenticationStatus = 'authenticated' | 'attempted' | 'failed' | 'rejected' | 'unavailable' | 'not_enrolled' | 'unknown';

export const AUTHENTICATION_STATUSES: readonly AuthenticationStatus[] = ['authenticated', 'attempted', 'failed', 'rejected', 'unavailable', 'not_enrolled', 'unknown'];

export interface Authentication {
  status: AuthenticationStatus;
  /** Electronic Commerce Indicator, two digits as the scheme defines them (`05`, `02`, `07`…). */
  eci?: string;
  /** Whether the fraud liability moved to the issuer; absent when the bank does not say. */
  liabilityShift?: boolean;
  /** The 3-D Secure protocol version, e.g. `2.2.0`. */
  version?: string;
}

/** EMV 3DS `transStatus` (and the letters the banks' own dictionaries reuse) → our status. */
export function authenticationStatusOfTransStatus(value: string | undefined): AuthenticationStatus {
  switch (value) {
    case 'Y':
      return 'authenticated';
    case 'A':
      return 'attempted';
    case 'N':
      return 'failed';
    case 'R':
      return 'rejected';
    case 'U':
      return 'unavailable';
    default:
      return 'unknown';
  }
}

/** Two digits or nothing: the only ECI values the schemes define. */
export function eciOf(value: string | undefined): string | undefined {
  return value !== undefined && /^\d{2}$/.test(value) ? value : undefined;
}

/** `1.0.2`, `2.1.0`, `2.2.0`…: digits and dots only, or nothing. */
export function threeDSecureVersionOf(value: string | undefined): string | undefined {
  return value !== undefined && /^\d{1,2}(\.\d{1,2}){0,2}$/.test(value) ? value : undefined;
}
