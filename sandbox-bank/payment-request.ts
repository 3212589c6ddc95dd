import { decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import {
  ALLOWED_ALGORITHMS,
  CAPTURE_MODES,
  CLOCK_TOLERANCE_SECONDS,
  MAX_REQUEST_LIFETIME_SECONDS,
  REQUEST_TYP,
  type CaptureMode,
  type RequestTransaction,
} from '../src/protocols/native.js';
import { findCurrency } from '../src/index.js';
import { classifyJoseFailure } from './jose-failure.js';
import type { RegisteredMerchant } from './merchants.js';
import { PaymentRequestRefusal } from './request-refusal.js';

/** A payment request whose signature, addressing, dates and fields all checked out. */
export interface VerifiedPaymentRequest {
  merchant: RegisteredMerchant;
  jti: string;
  txn: RequestTransaction;
  returnUrl: string;
  notifyUrl: string;
  capture: CaptureMode;
}

export interface RequestVerification {
  bankId: string;
  merchants: ReadonlyMap<string, RegisteredMerchant>;
  now: Date;
}

// A request token is about 1 KB; a far larger field is not a request and is not parsed.
const MAX_TOKEN_LENGTH = 16_384;

const callbackUrl = z
  .string()
  .max(2048)
  .refine((text) => {
    try {
      const url = new URL(text);
      return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password;
    } catch {
      return false;
    }
  }, 'must be an absolute http(s) URL without credentials');

const requestClaims = z.object({
  jti: z.string().min(1).max(200),
  iat: z.number(),
  exp: z.number(),
  txn: z.object({
    ref: z.string().regex(/^[A-Za-z0-9]{1,40}$/),
    amount: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    currency: z.string().refine((code) => findCurrency(code) !== undefined, 'must be a payable ISO 4217 code'),
    description: z.string().min(1).max(255),
    locale: z.enum(['en', 'fr']),
  }),
  return_url: callbackUrl,
  notify_url: callbackUrl,
  capture: z.enum(CAPTURE_MODES as [CaptureMode, ...CaptureMode[]]).optional(),
});

function refusalFor(err: unknown): PaymentRequestRefusal {
  const failure = classifyJoseFailure(err);
  return new PaymentRequestRefusal(failure.code, failure.field);
}

function issuerOf(token: string): string {
  let claims: JWTPayload;
  try {
    claims = decodeJwt(token);
  } catch {
    throw new PaymentRequestRefusal('malformed_request');
  }
  if (typeof claims.iss !== 'string') throw new PaymentRequestRefusal('unknown_merchant', 'iss');
  return claims.iss;
}

/**
 * Verifies the `request` form field (docs/protocol.md, "Payment request"). The unverified `iss` only
 * chooses whose keys to try; every claim used afterwards comes from the verified token.
 */
export async function verifyPaymentRequest(token: unknown, verification: RequestVerification): Promise<VerifiedPaymentRequest> {
  if (typeof token !== 'string' || token.length === 0) throw new PaymentRequestRefusal('missing_request', 'request');
  if (token.length > MAX_TOKEN_LENGTH) throw new PaymentRequestRefusal('malformed_request');

  const merchant = verification.merchants.get(issuerOf(token));
  // A merchant registered without a JWKS does not speak the native protocol.
  if (!merchant?.keys) throw new PaymentRequestRefusal('unknown_merchant', 'iss');

  let payload: JWTPayload;
  try {
    // The allow-list is what refuses `alg: none` and HS256-keyed-with-the-public-key: without it jose
    // accepts any algorithm the key fits. It is checked before the merchant's keys are fetched.
    ({ payload } = await jwtVerify(token, merchant.keys, {
      algorithms: [...ALLOWED_ALGORITHMS],
      typ: REQUEST_TYP,
      issuer: merchant.merchantId,
      audience: verification.bankId,
      requiredClaims: ['iat', 'exp', 'jti'],
      maxTokenAge: MAX_REQUEST_LIFETIME_SECONDS,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      currentDate: verification.now,
    }));
  } catch (err) {
    throw refusalFor(err);
  }

  const parsed = requestClaims.safeParse(payload);
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path.join('.') || undefined;
    throw new PaymentRequestRefusal('invalid_claims', field);
  }
  const claims = parsed.data;
  if (claims.exp - claims.iat > MAX_REQUEST_LIFETIME_SECONDS) throw new PaymentRequestRefusal('lifetime_too_long');

  return {
    merchant,
    jti: claims.jti,
    txn: claims.txn,
    returnUrl: claims.return_url,
    notifyUrl: claims.notify_url,
    capture: claims.capture ?? 'automatic',
  };
}
