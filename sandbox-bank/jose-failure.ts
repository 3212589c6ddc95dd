import { errors } from 'jose';

/** What went wrong when a merchant's token did not verify, in the protocol's refusal codes. */
export interface JoseFailure {
  code:
    | 'merchant_keys_unavailable'
    | 'algorithm_not_allowed'
    | 'bad_signature'
    | 'expired'
    | 'invalid_claims'
    | 'wrong_type'
    | 'wrong_audience'
    | 'unknown_merchant'
    | 'issued_in_future'
    | 'malformed_request';
  /** The claim at fault, a name, never a value. */
  field?: string;
}

/** Failures to reach or read the merchant's JWKS: the token may be fine, the bank just cannot check it now. */
function isKeySourceUnavailable(err: unknown): boolean {
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) return true;
  // "Expected 200 OK …" and "Failed to parse the JSON Web Key Set …" are plain JOSEErrors.
  if (err instanceof errors.JOSEError) return err.code === 'ERR_JOSE_GENERIC';
  // fetch() network failures surface as TypeError.
  return err instanceof TypeError;
}

/**
 * Reads a jwtVerify failure: the same mapping for the payment request (section 4.4) and the
 * operation request (section 11.4), which share the signature, time and addressing rules.
 */
export function classifyJoseFailure(err: unknown): JoseFailure {
  if (isKeySourceUnavailable(err)) return { code: 'merchant_keys_unavailable' };
  if (err instanceof errors.JOSEAlgNotAllowed) return { code: 'algorithm_not_allowed' };
  if (err instanceof errors.JWSSignatureVerificationFailed) return { code: 'bad_signature' };
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) return { code: 'bad_signature' };
  // JWTExpired is a JWTClaimValidationFailed: test it first. It covers exp passed and iat too old.
  if (err instanceof errors.JWTExpired) return { code: 'expired' };
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === 'missing') return { code: 'invalid_claims', field: err.claim };
    switch (err.claim) {
      case 'typ':
        return { code: 'wrong_type' };
      case 'aud':
        return { code: 'wrong_audience' };
      case 'iss':
        return { code: 'unknown_merchant', field: 'iss' };
      case 'iat':
      case 'nbf':
        return { code: 'issued_in_future' };
      default:
        return { code: 'invalid_claims', field: err.claim };
    }
  }
  return { code: 'malformed_request' };
}
