/**
 * The native bank protocol: shapes and constants shared by the gateway's connector and the sandbox
 * bank. docs/protocol.md is the normative description; keep the two in step.
 */

/** JOSE `typ` of the gateway's payment request; a response token can never be replayed as a request. */
export const REQUEST_TYP = 'hpp-req+jwt';
/** JOSE `typ` of the bank's response (browser return and server notification alike). */
export const RESPONSE_TYP = 'hpp-resp+jwt';

/** Algorithms a party may sign with: the keys' own allow-list (src/keys/algorithms.ts). */
export { ALLOWED_ALGORITHMS, type SigningAlgorithm } from '../keys/algorithms.js';

/** A payment request lives at most this long (the bank refuses older ones). */
export const MAX_REQUEST_LIFETIME_SECONDS = 600;
/** Clock skew tolerated on iat/nbf/exp. */
export const CLOCK_TOLERANCE_SECONDS = 30;

/** Form field names. */
export const REQUEST_FIELD = 'request';
export const RESPONSE_FIELD = 'response';

export interface RequestTransaction {
  /** The gateway's attempt reference: unique per attempt, [A-Za-z0-9]{1,40}. */
  ref: string;
  /** Integer minor units. */
  amount: number;
  /** ISO 4217 alphabetic. */
  currency: string;
  description: string;
  locale: 'en' | 'fr';
}

/**
 * `automatic` (the default, and what a request without the claim means): the bank takes the money
 * when it authorises. `manual`: it only reserves it; the merchant captures or cancels later through
 * the operations API, before `capture_before`.
 */
export type CaptureMode = 'automatic' | 'manual';
export const CAPTURE_MODES: readonly CaptureMode[] = ['automatic', 'manual'];

export interface PaymentRequestClaims {
  iss: string;
  aud: string;
  iat: number;
  exp: number;
  jti: string;
  txn: RequestTransaction;
  return_url: string;
  notify_url: string;
  /** Absent means automatic. */
  capture?: CaptureMode;
}

export type ResponseStatus = 'authorised' | 'refused' | 'cancelled' | 'error';

export interface ResponseTransaction {
  ref: string;
  status: ResponseStatus;
  amount: number;
  currency: string;
  /** The bank's own id for the transaction. */
  bank_txn_id: string;
  auth_code?: string;
  card?: { brand: string; last4: string };
  /** The bank's detailed reason, e.g. `insufficient_funds`. */
  reason?: string;
  /** Only for a request with `capture: 'manual'`: the bank honoured it, `amount` is reserved, not taken. */
  capture?: 'manual';
  /** Manual capture, authorised: NumericDate until which the reservation can be captured. */
  capture_before?: number;
}

/** EMV 3-D Secure `transStatus` as the native `authentication.status` carries it (docs/protocol.md 6.3). */
export type AuthenticationTransStatus = 'Y' | 'A' | 'N' | 'U' | 'R';

/** The `authentication` claim: the 3-D Secure result of a card that took part in it. */
export interface ResponseAuthentication {
  status: AuthenticationTransStatus;
  /** EMV `transStatusReason`, two digits (`01` failed, `13` not enrolled, `22` ACS technical issue…). */
  trans_status_reason?: string;
  /** Electronic Commerce Indicator, two digits. */
  eci?: string;
  liability_shift: boolean;
  /** The 3-D Secure protocol version, e.g. `2.2.0`. */
  version?: string;
  /** `challenge` when the cardholder was asked for a code, `frictionless` when not. */
  method?: 'frictionless' | 'challenge';
  /** With `status: N`: the cardholder cancelled the challenge. */
  cancelled?: true;
}

export interface PaymentResponseClaims {
  iss: string;
  aud: string;
  iat: number;
  exp: number;
  jti: string;
  txn: ResponseTransaction;
  /** Only for a card that went through 3-D Secure; absent otherwise, so those responses are unchanged. */
  authentication?: ResponseAuthentication;
}
