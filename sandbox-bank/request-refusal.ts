import { assertNever } from '../src/index.js';

/**
 * Why the bank refuses a payment request before showing any card form. The buyer sees a page naming
 * the reason (this is a sandbox: the merchant's developer is usually the one reading it); the log
 * gets the same code.
 */
export type RequestRefusalCode =
  | 'missing_request'
  | 'malformed_request'
  | 'unknown_merchant'
  | 'algorithm_not_allowed'
  | 'wrong_type'
  | 'bad_signature'
  | 'bad_seal'
  | 'unknown_key_version'
  | 'wrong_audience'
  | 'expired'
  | 'issued_in_future'
  | 'lifetime_too_long'
  | 'invalid_claims'
  | 'reference_reused'
  | 'reference_in_use'
  | 'merchant_keys_unavailable';

function statusFor(code: RequestRefusalCode): number {
  switch (code) {
    case 'reference_reused':
    case 'reference_in_use':
      return 409;
    case 'merchant_keys_unavailable':
      // Not the request's fault: the same request may succeed once the merchant's JWKS answers again.
      return 503;
    case 'missing_request':
    case 'malformed_request':
    case 'unknown_merchant':
    case 'algorithm_not_allowed':
    case 'wrong_type':
    case 'bad_signature':
    case 'bad_seal':
    case 'unknown_key_version':
    case 'wrong_audience':
    case 'expired':
    case 'issued_in_future':
    case 'lifetime_too_long':
    case 'invalid_claims':
      return 400;
    default:
      return assertNever(code);
  }
}

export class PaymentRequestRefusal extends Error {
  readonly code: RequestRefusalCode;
  readonly status: number;
  /** Which claim was wrong, e.g. `txn.amount`: a field name, never a value from the token. */
  readonly field: string | undefined;

  constructor(code: RequestRefusalCode, field?: string) {
    super(field ? `payment request refused: ${code} (${field})` : `payment request refused: ${code}`);
    this.name = 'PaymentRequestRefusal';
    this.code = code;
    this.status = statusFor(code);
    this.field = field;
  }
}
