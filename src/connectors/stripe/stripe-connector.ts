import { toStripeAmount } from './amounts.js';
import { z } from 'zod';
import { GatewayError, InvalidBankMessageError } from '../../core/errors.js';
import type { MaskedCard } from '../../core/payment.js';
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
  type VerifiedRefundMessage,
} from '../bank-connector.js';
import type { BankOperations } from '../bank-operations.js';
import {
  attemptRefOf,
  cardOf,
  isManualCaptureSession,
  outcomeOf,
  parseCheckoutSession,
  SESSION_ID,
  statusOfSession,
  type CheckoutSession,
} from './checkout-session.js';
import { checkoutSessionParams, idempotencyKeyFor } from './session-request.js';
import { DEFAULT_API_BASE, DEFAULT_CHECKOUT_ORIGIN, DEFAULT_PAYMENT_METHOD_TYPES, isLiveKey } from './settings.js';
import { StripeApiError, StripeClient } from './stripe-client.js';
import { StripeOperations } from './stripe-operations.js';
import { isSessionEvent, parseEvent, statusForEvent, type StripeEvent } from './webhook-event.js';
import { isRefundEvent, paymentIntentOfCharge, refundOfEvent, reportOf } from './refund-events.js';
import { verifyStripeSignature } from './webhook-signature.js';

export interface StripeConnectorOptions {
  secretKey: string;
  webhookSecrets: readonly string[];
  apiBase?: string;
  checkoutOrigin?: string;
  paymentMethodTypes?: readonly string[];
  /** One try of an API request (default 8 s). */
  timeoutMs?: number;
  /** Waits before each retry; its length is the number of retries (default two). */
  retryDelaysMs?: readonly number[];
  logger?: Logger;
  clock?: () => Date;
}

/** Card details are a nicety on the webhook path: fetched once, quickly, and skipped if Stripe is slow. */
const CARD_LOOKUP_TIMEOUT_MS = 3000;

/** What the return and the card lookup expand: the PaymentIntent and its charge (card brand and last4). */
const EXPAND = ['payment_intent.latest_charge'];

const createdSession = z.object({ id: z.string().regex(SESSION_ID), url: z.string().min(1).max(4096) });

const EVENT_TYPE_WORD = /^[a-z0-9_.]{1,80}$/;

/**
 * Stripe Checkout. The buyer is sent to a Checkout Session created for the attempt through the REST
 * API; the webhook (`checkout.session.*`, signed with the endpoint secret) finalises the payment; the
 * browser return is only a hint, so the session is retrieved from the API before anything is believed.
 */
export class StripeConnector implements BankConnector {
  readonly name = 'stripe';
  readonly bankOrigin: string;
  readonly operations: BankOperations;
  readonly #operations: StripeOperations;
  readonly #client: StripeClient;
  readonly #webhookSecrets: readonly string[];
  readonly #paymentMethodTypes: readonly string[];
  readonly #live: boolean;
  readonly #logger: Logger | undefined;
  readonly #clock: () => Date;

  constructor(options: StripeConnectorOptions) {
    if (options.webhookSecrets.length === 0) throw new Error('at least one Stripe webhook secret is required');
    this.bankOrigin = new URL(options.checkoutOrigin ?? DEFAULT_CHECKOUT_ORIGIN).origin;
    this.#client = new StripeClient({
      secretKey: options.secretKey,
      apiBase: options.apiBase ?? DEFAULT_API_BASE,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.retryDelaysMs ? { retryDelaysMs: options.retryDelaysMs } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    this.#webhookSecrets = [...options.webhookSecrets];
    this.#paymentMethodTypes = [...(options.paymentMethodTypes ?? DEFAULT_PAYMENT_METHOD_TYPES)];
    this.#live = isLiveKey(options.secretKey);
    this.#logger = options.logger;
    this.#clock = options.clock ?? (() => new Date());
    this.#operations = new StripeOperations(this.#client, this.#live);
    this.operations = this.#operations;
  }

  /**
   * Creates the attempt's Checkout Session (one per attempt: the idempotency key is the attempt's) and
   * sends the buyer to its URL. Checkout URLs carry a `#fragment` a GET form would drop: the checkout
   * route answers a GET redirect with a 303 to the URL as it is.
   */
  cannotCharge(amount: number, currency: string): string | null {
    return toStripeAmount(amount, currency) === null ? `Stripe cannot charge exactly ${amount} minor units of ${currency}` : null;
  }

  async buildRequest(input: BuildRequestInput): Promise<RedirectForm> {
    const body = await this.#client.request({
      method: 'POST',
      path: '/v1/checkout/sessions',
      params: checkoutSessionParams(input, this.#paymentMethodTypes),
      idempotencyKey: idempotencyKeyFor(input.attempt.ref),
    });
    const session = createdSession.safeParse(body);
    if (!session.success) throw new GatewayError('bank_error', 'Stripe answered the Checkout Session create with no usable session');
    let url: URL;
    try {
      url = new URL(session.data.url);
    } catch {
      throw new GatewayError('bank_error', 'Stripe returned a Checkout URL that is not a URL');
    }
    if (url.protocol !== 'https:' || url.origin !== this.bankOrigin) {
      throw new GatewayError('bank_error', `Stripe returned a Checkout URL outside ${this.bankOrigin} (set STRIPE_CHECKOUT_ORIGIN for a custom domain)`);
    }
    return { url: session.data.url, method: 'GET', fields: {} };
  }

  /**
   * The buyer back from Checkout: `?session_id=cs_…` (success_url) or `?session_id=cs_…&cancelled=1`
   * (cancel_url). Nothing in the query is believed: the session is retrieved with the secret key. A buyer
   * who cancels gets the session expired at Stripe first, so an attempt we record as cancelled can no
   * longer be paid (if it was paid meanwhile, Stripe refuses to expire it and the payment is what we report).
   */
  async verifyReturn(message: IncomingBankMessage): Promise<VerifiedBankMessage> {
    const sessionId = message.fields.session_id;
    if (typeof sessionId !== 'string' || !SESSION_ID.test(sessionId)) throw new InvalidBankMessageError('malformed_session_id');
    if (sessionId.startsWith('cs_live_') !== this.#live) throw new InvalidBankMessageError('livemode_mismatch');

    let session = await this.#retrieve(sessionId);
    this.#checkLivemode(session.livemode);
    const attemptRef = attemptRefOf(session);
    if (attemptRef === null) throw new InvalidBankMessageError('foreign_session');
    if (message.fields.cancelled === '1' && session.status === 'open') session = await this.#expire(sessionId);
    return { outcome: outcomeOf(session, attemptRef, statusOfSession(session)) };
  }

  /**
   * A Stripe webhook: the signature is checked over the raw body before anything is parsed. The message
   * id is the event id with the signed timestamp: Stripe signs each delivery afresh, so a genuine retry
   * (or a second delivery of the same event) reaches the state machine, which acknowledges it without a
   * new effect, while the same signed bytes sent twice are a replay. Refund events (`charge.refunded`,
   * `refund.created`, `refund.updated`, `refund.failed`) are verified the same way and tell of refunds
   * (#refundMessage); every other event type is acknowledged without effect.
   */
  async verifyNotification(message: IncomingBankMessage): Promise<VerifiedBankMessage | VerifiedRefundMessage> {
    const nowSeconds = Math.floor(this.#clock().getTime() / 1000);
    const { timestamp, staleAt } = verifyStripeSignature(message.rawBody, message.headers['stripe-signature'], this.#webhookSecrets, nowSeconds);
    const event = parseEvent(message.rawBody);
    this.#checkLivemode(event.livemode);
    if (isRefundEvent(event.type)) return this.#refundMessage(event, `${event.id}@${timestamp}`, staleAt);
    if (!isSessionEvent(event.type)) throw new IgnoredBankMessage(EVENT_TYPE_WORD.test(event.type) ? `event_type:${event.type}` : 'event_type');

    const session = parseCheckoutSession(event.data.object);
    this.#checkLivemode(session.livemode);
    if (session.mode !== 'payment') throw new IgnoredBankMessage('not_payment_mode');
    const attemptRef = attemptRefOf(session);
    if (attemptRef === null) throw new IgnoredBankMessage('foreign_session');

    let outcome = outcomeOf(session, attemptRef, statusForEvent(event.type, session));
    if (outcome.status === 'pending' && event.type === 'checkout.session.completed' && isManualCaptureSession(session)) {
      // A manual payment's session completes unpaid, its PaymentIntent (an id in the event) holding the
      // authorisation: the session is read with it expanded. Stripe retries the event if this fails.
      const current = await this.#retrieve(session.id);
      this.#checkLivemode(current.livemode);
      if (attemptRefOf(current) !== attemptRef) throw new InvalidBankMessageError('reference_mismatch');
      outcome = outcomeOf(current, attemptRef, statusOfSession(current));
    }
    if (outcome.status === 'authorised' && !outcome.card) {
      const card = await this.#cardOf(session.id);
      if (card) outcome.card = card;
    }
    return {
      outcome,
      messageId: `${event.id}@${timestamp}`,
      messageExpiresAt: staleAt,
    };
  }

  /**
   * A refund event. `refund.*` carry the Refund itself, as signed; `charge.refunded` carries the Charge
   * without its refunds (API 2022-11-15 on), so the PaymentIntent's refunds are listed from the API and
   * each one reported (the state machine lets only news through). A refund made in the dashboard has
   * none of our metadata: its payment is found by the attempt whose Checkout Session holds the
   * PaymentIntent, and a PaymentIntent of no session of ours (another integration) is not ours to record.
   */
  async #refundMessage(event: StripeEvent, messageId: string, staleAt: Date): Promise<VerifiedRefundMessage> {
    let paymentIntentId: string | null | undefined;
    let refunds;
    if (event.type === 'charge.refunded') {
      paymentIntentId = paymentIntentOfCharge(event.data.object);
      if (!paymentIntentId) throw new IgnoredBankMessage('charge_without_payment_intent');
      refunds = await this.#operations.refundsOf(paymentIntentId);
    } else {
      const refund = refundOfEvent(event.data.object);
      paymentIntentId = refund.payment_intent;
      refunds = [refund];
    }
    const reports = refunds.map(reportOf).filter((r) => r !== null);
    if (reports.length === 0) throw new IgnoredBankMessage('no_refund_status');
    let attemptRef: string | undefined;
    if (reports.some((r) => r.refundId === undefined)) {
      if (!paymentIntentId) throw new IgnoredBankMessage('refund_without_payment_intent');
      attemptRef = await this.#operations.attemptRefOfPaymentIntent(paymentIntentId);
      if (!attemptRef) throw new IgnoredBankMessage('foreign_payment_intent');
    }
    return { kind: 'refunds', refunds: reports, ...(attemptRef ? { attemptRef } : {}), messageId, messageExpiresAt: staleAt };
  }

  /** Stripe retries until it gets a 2xx; a 400 shows in its dashboard with the reason. */
  acknowledge(kind: AckKind, reason?: string): Acknowledgement {
    switch (kind) {
      case 'accepted':
        return { status: 200, contentType: 'application/json', body: JSON.stringify({ received: true }) };
      case 'rejected':
        return { status: 400, contentType: 'application/json', body: JSON.stringify(reason ? { received: false, reason } : { received: false }) };
      case 'retry':
        return { status: 503, contentType: 'application/json', body: JSON.stringify({ received: false, retry: true }) };
      default:
        return kind satisfies never;
    }
  }

  /** Test-mode keys see test-mode objects only, and live keys live ones. */
  #checkLivemode(livemode: boolean): void {
    if (livemode !== this.#live) throw new InvalidBankMessageError('livemode_mismatch');
  }

  async #retrieve(sessionId: string, options: { retry?: boolean; timeoutMs?: number } = {}): Promise<CheckoutSession> {
    try {
      const body = await this.#client.request({ method: 'GET', path: `/v1/checkout/sessions/${sessionId}`, params: { expand: EXPAND }, ...options });
      return parseCheckoutSession(body);
    } catch (err) {
      if (err instanceof StripeApiError && err.httpStatus === 404) throw new InvalidBankMessageError('unknown_session');
      throw err;
    }
  }

  async #expire(sessionId: string): Promise<CheckoutSession> {
    try {
      const body = await this.#client.request({
        method: 'POST',
        path: `/v1/checkout/sessions/${sessionId}/expire`,
        params: { expand: EXPAND },
        idempotencyKey: `hpp-expire-${sessionId}`,
      });
      return parseCheckoutSession(body);
    } catch (err) {
      // No longer open (paid or expired meanwhile): what the session is now is the answer.
      if (err instanceof StripeApiError) return this.#retrieve(sessionId);
      throw err;
    }
  }

  async #cardOf(sessionId: string): Promise<MaskedCard | undefined> {
    try {
      const session = await this.#retrieve(sessionId, { retry: false, timeoutMs: CARD_LOOKUP_TIMEOUT_MS });
      if (session.payment_status !== 'paid') return undefined;
      return cardOf(session);
    } catch (err) {
      this.#logger?.warn({ connector: this.name, err: err instanceof GatewayError ? err.code : 'error' }, 'stripe card details not retrieved');
      return undefined;
    }
  }
}
