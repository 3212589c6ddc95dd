import { assertNever, captureModeOf } from '../../core/payment.js';
import { GatewayError, InvalidBankMessageError } from '../../core/errors.js';
import { findCurrency } from '../../core/money.js';
import type { Logger } from '../../logger.js';
import {
  IgnoredBankMessage,
  type Acknowledgement,
  type AckKind,
  type BankConnector,
  type BuildRequestInput,
  type IncomingBankMessage,
  type RedirectForm,
  type VerifiedBankMessage,
} from '../bank-connector.js';
import type { ConnectorServices } from '../connector-module.js';
import { AttemptStamps, DEFAULT_STAMP_LIFETIME_MS } from './attempt-stamps.js';
import { ATTEMPT_FIELD, lyraOrderIdOf, lyraOrderInfoOf } from './order-fields.js';
import { readOutcome } from './response.js';
import { unknownResponseField } from './response-fields.js';
import type { LyraCtxMode } from './settings.js';
import { computeSignature, SIGNATURE_FIELD, signatureMatches, signedFields, type LyraSignatureAlgorithm } from '../../protocols/lyra/signature.js';
import { isKnownTransStatus } from './trans-status.js';
import { LyraOperations } from './lyra-operations.js';
import { LyraRestClient } from './rest-client.js';
import { DEFAULT_CAPTURE_DELAY_DAYS } from './settings.js';
import { nextTransaction, type TransactionStamp } from './trans-id.js';

export interface LyraConnectorOptions {
  siteId: string;
  ctxMode: LyraCtxMode;
  /** The key of `ctxMode`: requests are signed and responses verified with it, and with no other. */
  key: string;
  paymentUrl: string;
  signatureAlgorithm: LyraSignatureAlgorithm;
  services: ConnectorServices;
  clock?: () => Date;
  logger?: Logger;
  /** The REST API V4 (LYRA_REST_URL, LYRA_REST_PASSWORD); without it the connector has no operations. */
  rest?: { url: string; password: string; timeoutMs?: number };
  /** Manual capture: vads_capture_delay, the days Lyra keeps an authorisation to validate (default 6). */
  captureDelayDays?: number;
  /** How long a rebuilt form for the same attempt keeps its vads_trans_id (default 15 minutes). */
  stampLifetimeMs?: number;
}

// Base64 of HMAC-SHA-256 is 44 characters, hex SHA-1 is 40: anything much longer is not a signature.
const MAX_SIGNATURE_LENGTH = 128;
// vads_cust_email is an..150.
const MAX_EMAIL_LENGTH = 150;

/** Whether a form body names a field twice (only the first value reaches `fields`). */
function hasRepeatedFormName(message: IncomingBankMessage): boolean {
  const type = message.headers['content-type'];
  if (message.rawBody.length === 0 || !/^application\/x-www-form-urlencoded\b/i.test(Array.isArray(type) ? (type[0] ?? '') : (type ?? ''))) return false;
  const seen = new Set<string>();
  for (const name of new URLSearchParams(message.rawBody.toString('utf8')).keys()) {
    if (seen.has(name)) return true;
    seen.add(name);
  }
  return false;
}

/**
 * Lyra's form API (PayZen, Systempay, Sogecommerce: "formulaire de paiement"): the buyer is sent with an
 * auto-submitting form of `vads_*` fields signed with the shop's key; the result comes back signed the
 * same way, by the buyer's browser (POST to vads_url_return) and server to server (the IPN, POST to
 * vads_url_check). See README.md in this folder.
 */
export class LyraConnector implements BankConnector {
  readonly name = 'lyra';
  readonly bankOrigin: string;
  private readonly options: LyraConnectorOptions;
  private readonly clock: () => Date;
  private readonly stamps: AttemptStamps;
  /** Capture, void, refund and status over the REST API V4, when configured. */
  readonly operations?: LyraOperations;

  private get captureDelayDays(): number {
    return this.options.captureDelayDays ?? DEFAULT_CAPTURE_DELAY_DAYS;
  }

  constructor(options: LyraConnectorOptions) {
    this.options = options;
    this.bankOrigin = new URL(options.paymentUrl).origin;
    this.clock = options.clock ?? (() => new Date());
    this.stamps = new AttemptStamps(options.stampLifetimeMs);
    if (options.rest) {
      const client = new LyraRestClient({
        baseUrl: options.rest.url,
        shopId: options.siteId,
        password: options.rest.password,
        ...(options.rest.timeoutMs !== undefined ? { timeoutMs: options.rest.timeoutMs } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
      });
      this.operations = new LyraOperations(client, this.captureDelayDays);
    }
  }

  /**
   * A fresh stamp, unless another gateway instance already gave this attempt one today: then that one.
   * (Concurrent builds in this process already share one through `stamps`.)
   */
  private async sharedStamp(attemptRef: string, now: Date): Promise<TransactionStamp> {
    const { siteId, services } = this.options;
    const fresh = await nextTransaction(services, siteId, now);
    if (!services.rememberOnce) return fresh;
    const day = now.toISOString().slice(0, 10).replace(/-/g, '');
    const lifetimeSeconds = Math.ceil((this.options.stampLifetimeMs ?? DEFAULT_STAMP_LIFETIME_MS) / 1000);
    const kept = await services.rememberOnce(`lyra:stamp:${siteId}:${day}:${attemptRef}`, JSON.stringify(fresh), lifetimeSeconds);
    return JSON.parse(kept) as TransactionStamp;
  }

  async buildRequest(input: BuildRequestInput): Promise<RedirectForm> {
    const { payment, attempt } = input;
    const currency = findCurrency(payment.currency);
    if (!currency) throw new GatewayError('internal', `currency ${payment.currency} has no ISO 4217 numeric code`);
    const { siteId, services } = this.options;
    const { transDate, transId } = await this.stamps.get(attempt.ref, this.clock(), (now) => this.sharedStamp(attempt.ref, now));

    const fields: Record<string, string> = {
      vads_action_mode: 'INTERACTIVE',
      vads_amount: String(payment.amount),
      vads_ctx_mode: this.options.ctxMode,
      vads_currency: currency.numeric,
      vads_language: input.locale,
      vads_order_id: lyraOrderIdOf(payment, attempt),
      [ATTEMPT_FIELD]: attempt.ref,
      vads_page_action: 'PAYMENT',
      vads_payment_config: 'SINGLE',
      vads_return_mode: 'POST',
      vads_site_id: siteId,
      vads_trans_date: transDate,
      vads_trans_id: transId,
      vads_url_cancel: input.returnUrl,
      // Overrides the back office's IPN URL only where the shop allows it; the back office rule must
      // name the same URL, since retries and manual re-sends use the rule's URL (README.md).
      vads_url_check: input.notifyUrl,
      vads_url_refused: input.returnUrl,
      vads_url_return: input.returnUrl,
      vads_url_success: input.returnUrl,
      vads_version: 'V2',
    };
    if (captureModeOf(payment) === 'manual') {
      // Manual validation: Lyra authorises and waits for Transaction/Validate until the capture date,
      // vads_capture_delay days on; the transaction is AUTHORISED_TO_VALIDATE until then.
      fields.vads_validation_mode = '1';
      fields.vads_capture_delay = String(this.captureDelayDays);
    }
    const orderInfo = lyraOrderInfoOf(payment);
    if (orderInfo !== undefined) fields.vads_order_info = orderInfo;
    const email = payment.customer?.email;
    if (email && email.length <= MAX_EMAIL_LENGTH) fields.vads_cust_email = email;
    fields[SIGNATURE_FIELD] = computeSignature(fields, this.options.key, this.options.signatureAlgorithm);
    return { url: this.options.paymentUrl, method: 'POST', fields };
  }

  async verifyReturn(message: IncomingBankMessage): Promise<VerifiedBankMessage> {
    try {
      return this.verify(message);
    } catch (err) {
      // The browser never brings anything but a payment; a refund or other operation here is not ours.
      if (err instanceof IgnoredBankMessage) throw new InvalidBankMessageError(err.reason);
      throw err;
    }
  }

  async verifyNotification(message: IncomingBankMessage): Promise<VerifiedBankMessage> {
    return this.verify(message);
  }

  /**
   * The IPN's answer: 200 `OK` when the outcome is stored (or was already). Lyra counts anything but a
   * 2xx or 3xx as a failure, e-mails the shop, and, with automatic retry on, sends the IPN again up to
   * four times: a refused signature answers 400 at once, and the retries give a fixed key a second chance.
   */
  acknowledge(kind: AckKind, reason?: string): Acknowledgement {
    switch (kind) {
      case 'accepted':
        return { status: 200, contentType: 'text/plain', body: 'OK' };
      case 'rejected': {
        const word = reason?.replace(/[^a-z0-9_]/gi, '').slice(0, 40);
        return { status: 400, contentType: 'text/plain', body: word ? `KO ${word}` : 'KO' };
      }
      case 'retry':
        return { status: 503, contentType: 'text/plain', body: 'RETRY' };
      default:
        return assertNever(kind);
    }
  }

  /**
   * The signature is checked over every `vads_` field before any of them is read. The key is the one of
   * the configured context, never one chosen by the message: a response claiming vads_ctx_mode=TEST and
   * signed with the TEST key fails against the PRODUCTION key.
   */
  private verify(message: IncomingBankMessage): VerifiedBankMessage {
    const { fields } = message;
    // The fields were read first-value-wins; a name posted twice leaves it open which value Lyra signed.
    if (hasRepeatedFormName(message)) throw new InvalidBankMessageError('duplicate_field');
    const signature = Object.hasOwn(fields, SIGNATURE_FIELD) ? fields[SIGNATURE_FIELD]! : '';
    if (!signature) throw new InvalidBankMessageError('missing_signature');
    if (signature.length > MAX_SIGNATURE_LENGTH) throw new InvalidBankMessageError('malformed_signature');
    const signed = signedFields(fields);
    if (Object.keys(signed).length === 0) throw new InvalidBankMessageError('missing_fields');
    if (!signatureMatches(signed, this.options.key, this.options.signatureAlgorithm, signature)) {
      throw new InvalidBankMessageError('bad_signature');
    }

    // The values are authentic from here on; their names only once each is one Lyra defines.
    const unknown = unknownResponseField(signed);
    if (unknown !== undefined) {
      this.options.logger?.warn({ connector: this.name, field: unknown.slice(0, 64) }, 'Lyra response with a vads_ field Lyra does not define refused');
      throw new InvalidBankMessageError('unknown_field');
    }
    if (signed.vads_ctx_mode !== this.options.ctxMode) throw new InvalidBankMessageError('ctx_mode_mismatch');
    if (signed.vads_site_id !== this.options.siteId) throw new InvalidBankMessageError('site_id_mismatch');
    // A refund (CREDIT) made in the back office is notified too: it is not a payment result.
    if (signed.vads_operation_type === 'CREDIT') throw new IgnoredBankMessage('credit_operation');

    const outcome = readOutcome(signed);
    const transStatus = signed.vads_trans_status ?? '';
    if (!isKnownTransStatus(transStatus)) {
      this.options.logger?.warn({ connector: this.name, attempt: outcome.attemptRef, transStatus }, 'unknown Lyra transaction status read as pending');
    }
    return { outcome };
  }
}
