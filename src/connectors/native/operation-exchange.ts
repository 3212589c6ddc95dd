import { randomUUID } from 'node:crypto';
import { callBank } from '../bank-http.js';
import { SignJWT, type JWTVerifyGetKey } from 'jose';
import type { GatewayKeystore } from '../../keys/keystore.js';
import type { Logger } from '../../logger.js';
import { MAX_REQUEST_LIFETIME_SECONDS } from '../../protocols/native.js';
import {
  MAX_OPERATION_TOKEN_LENGTH,
  OPERATION_CONTENT_TYPE,
  OPERATION_REQUEST_REFUSAL_CODES,
  OPERATION_RESULT_TYP,
  OPERATION_TYP,
  type OperationRequest,
} from '../../protocols/native-operations.js';
import { bankTokenRefusal, verifyBankToken } from './bank-token.js';
import { operationAnswerClaims, type OperationAnswerClaims } from './operation-answer-claims.js';

/** Section 11.1: a merchant SHOULD give up a try after 10 seconds. */
export const DEFAULT_OPERATION_TIMEOUT_MS = 10_000;
/** Server to server, a request token need not live long (section 11.3: 120 s is plenty). */
const REQUEST_LIFETIME_SECONDS = 120;
/** An answer is signed just before it is sent and lives 300 s; an older one is not an answer to us now. */
const MAX_ANSWER_AGE_SECONDS = MAX_REQUEST_LIFETIME_SECONDS;
/** Answers are a few KB; more is not ours to read. */
const MAX_ANSWER_BYTES = 4 * MAX_OPERATION_TOKEN_LENGTH;

export interface OperationExchangeOptions {
  bankId: string;
  merchantId: string;
  operationsUrl: string;
  bankKeys: JWTVerifyGetKey;
  keystore: GatewayKeystore;
  clock: () => Date;
  timeoutMs: number;
  logger?: Logger;
}

/**
 * What one try brought back: a verified answer, or nothing that can be believed. `no_answer` covers
 * a timeout, a cut connection, a 5xx, an answer that does not verify and an unsigned refusal
 * (section 11.4): none of them proves the operation was or was not done.
 */
export type OperationExchangeResult =
  | { kind: 'answer'; httpStatus: number; claims: OperationAnswerClaims }
  | { kind: 'no_answer'; reason: string };


/** The code of an unsigned refusal (section 11.4), when the body is one; never anything else of it. */
function refusalCode(body: string): string {
  try {
    const code = (JSON.parse(body) as { error?: unknown }).error;
    return (OPERATION_REQUEST_REFUSAL_CODES as readonly unknown[]).includes(code) ? (code as string) : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

/**
 * One try of one operation over the native operations API (docs/protocol.md, section 11): signs the
 * request with the gateway's key, posts the bare token, and verifies the answer with the bank's keys,
 * bound to this very request by `in_reply_to`.
 */
export class OperationExchange {
  private readonly options: OperationExchangeOptions;

  constructor(options: OperationExchangeOptions) {
    this.options = options;
  }

  async send(op: OperationRequest): Promise<OperationExchangeResult> {
    const jti = randomUUID();
    const token = await this.sign(op, jti);
    // Section 11.1: the bank never redirects, and we never follow (callBank never does).
    const response = await callBank({
      url: this.options.operationsUrl,
      body: token,
      headers: { 'Content-Type': OPERATION_CONTENT_TYPE, Accept: OPERATION_CONTENT_TYPE },
      maxAnswerBytes: MAX_ANSWER_BYTES,
      timeoutMs: this.options.timeoutMs,
    });
    if (response.kind === 'no_answer') return this.noAnswer(op, response.reason);

    const { status, body, contentType } = response;
    if (status >= 500) return this.noAnswer(op, `http_${status}`);
    if (!contentType.toLowerCase().startsWith(OPERATION_CONTENT_TYPE)) {
      // An unsigned refusal: this request was not processed, and an earlier try may have been.
      if (status >= 400 && contentType.toLowerCase().startsWith('application/json')) return this.noAnswer(op, `not_processed_${refusalCode(body)}`);
      return this.noAnswer(op, `unsigned_http_${status}`);
    }
    const claims = await this.verify(body.trim(), jti);
    if (typeof claims === 'string') return this.noAnswer(op, `unverified_answer_${claims}`);
    return { kind: 'answer', httpStatus: status, claims };
  }

  private async sign(op: OperationRequest, jti: string): Promise<string> {
    const { kid, alg, key } = this.options.keystore.signingKey;
    const iat = Math.floor(this.options.clock().getTime() / 1000);
    return new SignJWT({ op: { ...op } })
      .setProtectedHeader({ alg, kid, typ: OPERATION_TYP })
      .setIssuer(this.options.merchantId)
      .setAudience(this.options.bankId)
      .setIssuedAt(iat)
      .setExpirationTime(iat + REQUEST_LIFETIME_SECONDS)
      .setJti(jti)
      .sign(key);
  }

  /** The answer's claims, or why it is no answer (section 11.9, step 1). */
  private async verify(token: string, jti: string): Promise<OperationAnswerClaims | string> {
    if (token.length === 0 || token.length > MAX_ANSWER_BYTES) return 'malformed';
    let payload: unknown;
    try {
      payload = await verifyBankToken(token, this.options, {
        typ: OPERATION_RESULT_TYP,
        requiredClaims: ['iat', 'exp', 'jti', 'in_reply_to'],
        maxTokenAgeSeconds: MAX_ANSWER_AGE_SECONDS,
        now: this.options.clock(),
      });
    } catch (err) {
      return bankTokenRefusal(err, 'bank_keys_unavailable');
    }
    const parsed = operationAnswerClaims.safeParse(payload);
    if (!parsed.success) return 'malformed_claims';
    // An answer to another request (a replayed or misrouted one) says nothing about this one.
    if (parsed.data.in_reply_to !== jti) return 'in_reply_to';
    return parsed.data;
  }

  private noAnswer(op: OperationRequest, reason: string): OperationExchangeResult {
    this.options.logger?.warn({ connector: 'native', operation: op.type, ...(op.op_id !== undefined ? { opId: op.op_id } : {}), reason }, 'bank operation without answer');
    return { kind: 'no_answer', reason };
  }
}
