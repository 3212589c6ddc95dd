import { decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import { findCurrency } from '../../src/index.js';
import { ALLOWED_ALGORITHMS, CLOCK_TOLERANCE_SECONDS, MAX_REQUEST_LIFETIME_SECONDS } from '../../src/protocols/native.js';
import {
  BANK_ID_PATTERN,
  MAX_OPERATION_TOKEN_LENGTH,
  MAX_REFUND_REASON_LENGTH,
  OP_ID_PATTERN,
  OPERATION_TYP,
  OPERATION_TYPES,
  type OperationRequest,
} from '../../src/protocols/native-operations.js';
import { classifyJoseFailure } from '../jose-failure.js';
import type { RegisteredMerchant } from '../merchants.js';
import { OperationRequestRefusal } from './operation-request-refusal.js';

/** An operation request whose signature, addressing, dates and fields all checked out. */
export interface VerifiedOperationRequest {
  merchant: RegisteredMerchant;
  jti: string;
  /** NumericDate: the token id must be remembered until then (plus the clock tolerance). */
  exp: number;
  op: OperationRequest;
}

export interface OperationVerification {
  bankId: string;
  merchants: ReadonlyMap<string, RegisteredMerchant>;
  now: Date;
}

const opId = z.string().regex(OP_ID_PATTERN);
const bankTxnId = z.string().regex(BANK_ID_PATTERN);
const amount = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const currency = z.string().refine((code) => findCurrency(code) !== undefined, 'must be a payable ISO 4217 code');

const operation = z.discriminatedUnion('type', [
  z.object({ type: z.literal('capture'), op_id: opId, bank_txn_id: bankTxnId, amount, currency }),
  z.object({ type: z.literal('cancel'), op_id: opId, bank_txn_id: bankTxnId }),
  z.object({
    type: z.literal('refund'),
    op_id: opId,
    bank_txn_id: bankTxnId,
    amount,
    currency,
    reason: z.string().min(1).max(MAX_REFUND_REASON_LENGTH).optional(),
  }),
  z
    .object({ type: z.literal('status'), bank_txn_id: bankTxnId.optional(), ref: z.string().regex(/^[A-Za-z0-9]{1,40}$/).optional(), op_id: opId.optional() })
    .refine((op) => (op.bank_txn_id === undefined) !== (op.ref === undefined), { message: 'exactly one of bank_txn_id and ref', path: ['bank_txn_id'] }),
]);

const operationClaims = z.object({
  jti: z.string().min(1).max(200),
  iat: z.number(),
  exp: z.number(),
  op: z.unknown(),
});

function issuerOf(token: string): string {
  let claims: JWTPayload;
  try {
    claims = decodeJwt(token);
  } catch {
    throw new OperationRequestRefusal('malformed_request');
  }
  if (typeof claims.iss !== 'string') throw new OperationRequestRefusal('unknown_merchant', 'iss');
  return claims.iss;
}

function readOperation(value: unknown): OperationRequest {
  const type = (value as { type?: unknown } | null)?.type;
  if (typeof value !== 'object' || value === null || !(OPERATION_TYPES as readonly unknown[]).includes(type)) {
    throw new OperationRequestRefusal('invalid_claims', 'op.type');
  }
  const parsed = operation.safeParse(value);
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path.join('.');
    throw new OperationRequestRefusal('invalid_claims', field ? `op.${field}` : 'op');
  }
  // zod keeps only the members it knows, in its own order: what op_id idempotency compares.
  return parsed.data as OperationRequest;
}

/**
 * Verifies an operation request body (docs/protocol.md, section 11.4) with the same rules as a
 * payment request: allow-listed algorithm, the merchant's JWKS, its own `typ`, addressing and times.
 * The unverified `iss` only chooses whose keys to try.
 */
export async function verifyOperationRequest(token: string, verification: OperationVerification): Promise<VerifiedOperationRequest> {
  if (token.length === 0) throw new OperationRequestRefusal('malformed_request');
  if (token.length > MAX_OPERATION_TOKEN_LENGTH) throw new OperationRequestRefusal('request_too_large');

  const merchant = verification.merchants.get(issuerOf(token));
  if (!merchant?.keys) throw new OperationRequestRefusal('unknown_merchant', 'iss');

  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, merchant.keys, {
      algorithms: [...ALLOWED_ALGORITHMS],
      typ: OPERATION_TYP,
      issuer: merchant.merchantId,
      audience: verification.bankId,
      requiredClaims: ['iat', 'exp', 'jti'],
      maxTokenAge: MAX_REQUEST_LIFETIME_SECONDS,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      currentDate: verification.now,
    }));
  } catch (err) {
    const failure = classifyJoseFailure(err);
    throw new OperationRequestRefusal(failure.code, failure.field);
  }

  const parsed = operationClaims.safeParse(payload);
  if (!parsed.success) throw new OperationRequestRefusal('invalid_claims', parsed.error.issues[0]?.path.join('.') || undefined);
  const claims = parsed.data;
  if (claims.exp - claims.iat > MAX_REQUEST_LIFETIME_SECONDS) throw new OperationRequestRefusal('lifetime_too_long');
  return { merchant, jti: claims.jti, exp: claims.exp, op: readOperation(claims.op) };
}
