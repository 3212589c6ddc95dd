import { randomUUID } from 'node:crypto';
import { errors, SignJWT, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { BankUnavailableError, InvalidBankMessageError } from '../../core/errors.js';
import { captureModeOf } from '../../core/payment.js';
import type { GatewayKeystore } from '../../keys/keystore.js';
import type {
  Acknowledgement,
  AckKind,
  BankConnector,
  BuildRequestInput,
  IncomingBankMessage,
  RedirectForm,
  VerifiedBankMessage,
} from '../bank-connector.js';
import {
  CLOCK_TOLERANCE_SECONDS,
  MAX_REQUEST_LIFETIME_SECONDS,
  REQUEST_FIELD,
  REQUEST_TYP,
  RESPONSE_FIELD,
  RESPONSE_TYP,
  type PaymentRequestClaims,
} from '../../protocols/native.js';
import type { Logger } from '../../logger.js';
import { bankTokenRefusal, verifyBankToken } from './bank-token.js';
import { NativeOperations, type NativeOperationsOptions } from './native-operations.js';
import { DEFAULT_OPERATION_TIMEOUT_MS, OperationExchange } from './operation-exchange.js';
import { outcomeOf, transactionFacts } from './transaction-outcome.js';
import { authenticationOf } from './response-authentication.js';

export interface NativeConnectorOptions {
  bankId: string;
  merchantId: string;
  paymentUrl: string;
  bankKeys: JWTVerifyGetKey;
  keystore: GatewayKeystore;
  requestLifetimeSeconds?: number;
  clock?: () => Date;
  /** The bank's operations API (docs/protocol.md, section 11); without it the connector has no operations. */
  operations?: NativeOperationsOptions;
  logger?: Logger;
}

/** A response is signed for each delivery; an older one is stale whatever its exp says. */
const MAX_RESPONSE_AGE_SECONDS = 900;
// A compact JWS of a response is well under 2 KB; anything far larger is not ours to parse.
const MAX_TOKEN_LENGTH = 8192;

const responseClaims = z.object({
  jti: z.string().min(1).max(200),
  exp: z.number(),
  txn: transactionFacts.extend({
    status: z.enum(['authorised', 'refused', 'cancelled', 'error']),
    // Only a bank that honoured a manual request says so (section 4.6); absent, the money was taken.
    capture: z.literal('manual').optional(),
  }),
  // Read by authenticationOf, which never refuses: a detail of the verdict, not a condition of it.
  authentication: z.unknown().optional(),
});

/** Transient failures to fetch the bank's keys: retry later, never accept unverified. */
function isKeySourceUnavailable(err: unknown): boolean {
  if (err instanceof errors.JWKSTimeout) return true;
  if (err instanceof errors.JOSEError) return /Expected 200 OK|JSON Web Key Set/.test(err.message) && !(err instanceof errors.JWKSNoMatchingKey);
  // fetch() network failures surface as TypeError from undici.
  return err instanceof TypeError;
}


/**
 * The gateway's own protocol (docs/protocol.md): a JWS payment request through the buyer's browser,
 * JWS responses back by browser return and server notification.
 */
export class NativeConnector implements BankConnector {
  readonly name = 'native';
  readonly bankOrigin: string;
  readonly operations?: NativeOperations;
  private readonly options: NativeConnectorOptions;
  private readonly clock: () => Date;

  constructor(options: NativeConnectorOptions) {
    this.options = options;
    this.bankOrigin = new URL(options.paymentUrl).origin;
    this.clock = options.clock ?? (() => new Date());
    if (options.operations) {
      const exchange = new OperationExchange({
        bankId: options.bankId,
        merchantId: options.merchantId,
        operationsUrl: options.operations.operationsUrl,
        bankKeys: options.bankKeys,
        keystore: options.keystore,
        clock: this.clock,
        timeoutMs: options.operations.timeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS,
        ...(options.logger ? { logger: options.logger } : {}),
      });
      this.operations = new NativeOperations(exchange, options.operations.captureWindowMs);
    }
  }

  async buildRequest(input: BuildRequestInput): Promise<RedirectForm> {
    const { payment, attempt } = input;
    const { kid, alg, key } = this.options.keystore.signingKey;
    const iat = Math.floor(this.clock().getTime() / 1000);
    const lifetime = Math.min(this.options.requestLifetimeSeconds ?? MAX_REQUEST_LIFETIME_SECONDS, MAX_REQUEST_LIFETIME_SECONDS);
    const claims: Omit<PaymentRequestClaims, 'iss' | 'aud' | 'iat' | 'exp' | 'jti'> = {
      txn: {
        ref: attempt.ref,
        amount: payment.amount,
        currency: payment.currency,
        description: payment.description ?? payment.reference,
        locale: input.locale,
      },
      return_url: input.returnUrl,
      notify_url: input.notifyUrl,
      // An automatic payment's request stays exactly as before the claim existed.
      ...(captureModeOf(payment) === 'manual' ? { capture: 'manual' as const } : {}),
    };
    const token = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg, kid, typ: REQUEST_TYP })
      .setIssuer(this.options.merchantId)
      .setAudience(this.options.bankId)
      .setIssuedAt(iat)
      .setExpirationTime(iat + lifetime)
      .setJti(randomUUID())
      .sign(key);
    return { url: this.options.paymentUrl, method: 'POST', fields: { [REQUEST_FIELD]: token } };
  }

  verifyReturn(message: IncomingBankMessage): Promise<VerifiedBankMessage> {
    return this.verify(message);
  }

  verifyNotification(message: IncomingBankMessage): Promise<VerifiedBankMessage> {
    return this.verify(message);
  }

  acknowledge(kind: AckKind, reason?: string): Acknowledgement {
    const status = kind === 'accepted' ? 200 : kind === 'rejected' ? 400 : 503;
    const body = kind === 'rejected' && reason ? { status: kind, reason } : { status: kind };
    return { status, contentType: 'application/json', body: JSON.stringify(body) };
  }

  private async verify(message: IncomingBankMessage): Promise<VerifiedBankMessage> {
    const token = message.fields[RESPONSE_FIELD];
    if (typeof token !== 'string' || token.length === 0) throw new InvalidBankMessageError('missing_response');
    if (token.length > MAX_TOKEN_LENGTH) throw new InvalidBankMessageError('oversized');

    let payload: unknown;
    try {
      payload = await verifyBankToken(token, this.options, {
        typ: RESPONSE_TYP,
        requiredClaims: ['iat', 'exp', 'jti'],
        // Responses are signed just before they are sent.
        maxTokenAgeSeconds: MAX_RESPONSE_AGE_SECONDS,
        now: this.clock(),
      });
    } catch (err) {
      if (isKeySourceUnavailable(err)) throw new BankUnavailableError();
      throw new InvalidBankMessageError(bankTokenRefusal(err, 'malformed'));
    }

    const parsed = responseClaims.safeParse(payload);
    if (!parsed.success) throw new InvalidBankMessageError('malformed_claims');
    const { txn, jti, exp } = parsed.data;
    const authentication = authenticationOf(parsed.data.authentication);
    return {
      outcome: { ...outcomeOf(txn), ...(authentication ? { authentication } : {}) },
      messageId: jti,
      // jwtVerify accepts the token while the current whole second is before exp + the clock
      // tolerance (exp may be fractional): a replay must be caught until that second has passed.
      messageExpiresAt: new Date(Math.ceil(exp + CLOCK_TOLERANCE_SECONDS) * 1000),
    };
  }
}
