import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ALLOWED_ALGORITHMS, CLOCK_TOLERANCE_SECONDS } from '../../protocols/native.js';

/** Who the bank is to us, and which of its keys verify: the same for every token it signs. */
export interface BankTokenParties {
  bankKeys: JWTVerifyGetKey;
  /** `iss` of the bank's tokens. */
  bankId: string;
  /** Our merchant id at the bank: `aud` of its tokens. */
  merchantId: string;
}

/**
 * Verifies a token the bank signed (a payment response or an operation's answer) before any claim
 * is read: the algorithm allow-list (it is what stops `alg: none` and HMAC-with-the-public-key
 * confusion: jose would otherwise accept any algorithm the key can be used with), issuer, audience,
 * the kind of token (`typ`), the protocol's clock tolerance and a bound on the token's age, which also
 * refuses an `iat` in the future. One place, so the two kinds of token can never drift apart.
 * Throws what jose throws; callers turn it into their own refusal.
 */
export async function verifyBankToken(
  token: string,
  parties: BankTokenParties,
  expected: { typ: string; requiredClaims: string[]; maxTokenAgeSeconds: number; now: Date },
): Promise<JWTPayload> {
  const { payload } = await jwtVerify(token, parties.bankKeys, {
    algorithms: [...ALLOWED_ALGORITHMS],
    issuer: parties.bankId,
    audience: parties.merchantId,
    typ: expected.typ,
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    requiredClaims: expected.requiredClaims,
    maxTokenAge: expected.maxTokenAgeSeconds,
    currentDate: expected.now,
  });
  return payload;
}

/**
 * Why verifyBankToken refused a token, as a short fixed word (logged and answered; never the error's
 * message, which can quote the token). `otherwise` names a failure that is no JOSE error.
 */
export function bankTokenRefusal(err: unknown, otherwise: string): string {
  if (err instanceof errors.JWTExpired) return 'expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `claim_${err.claim}`;
  if (err instanceof errors.JOSEAlgNotAllowed) return 'algorithm_not_allowed';
  if (err instanceof errors.JWKSNoMatchingKey) return 'unknown_key';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'bad_signature';
  if (err instanceof errors.JOSEError) return err.code.toLowerCase();
  return otherwise;
}
