import { InvalidBankMessageError } from '../../core/errors.js';
import type { BankOutcome } from '../../core/bank-outcome.js';
import type { Attempt } from '../../core/payment.js';
import type { BankCapabilities, BankOperations, OperationAnswer, OperationTarget } from '../bank-operations.js';
import { toStripeAmount } from './amounts.js';
import { attemptRefOf, checkoutSessionSchema, outcomeOf, PAYMENT_INTENT_ID, paymentIntentIdOf, statusOfSession, type CheckoutSession } from './checkout-session.js';
import type { FormValue } from './form-encoding.js';
import { answerOfError, captureAnswerOf, refundAnswerOf, voidAnswerOf } from './operation-answers.js';
import { listPageSchema, paymentIntentSchema, refundSchema, type StripePaymentIntent, type StripeRefund } from './operation-objects.js';
import { StripeApiError, type StripeClient } from './stripe-client.js';

/**
 * How long Stripe keeps a card authorisation: 7 days for customer-initiated online payments on every
 * card brand ("Place a hold on a payment method", authorization validity windows). Checkout payments
 * are customer-initiated; the capture is refused by Stripe (`charge_expired_for_capture`) after that.
 */
export const STRIPE_CAPTURE_WINDOW_MS = 7 * 24 * 3600 * 1000;

/**
 * One capture per authorisation: a partial capture releases the rest. Several captures ("multicapture")
 * is an opt-in feature Stripe enables per account (IC+ pricing) and asks for per payment with
 * `request_multicapture`, so it cannot be assumed of an account.
 */
export const STRIPE_CAPABILITIES: BankCapabilities = {
  manualCapture: true,
  captureWindowMs: STRIPE_CAPTURE_WINDOW_MS,
  multipleCaptures: false,
  capture: true,
  void: true,
  refund: true,
  status: true,
};

/** The metadata key of a refund that names the operation it was created for; refundStatus finds it by it. */
export const OPERATION_METADATA_KEY = 'hpp_operation_id';

/** Stripe metadata values hold at most 500 characters. */
const METADATA_VALUE_MAX = 500;

/** Sent as the Idempotency-Key header: Stripe takes up to 255 characters. */
const OPERATION_ID = /^[A-Za-z0-9_-]{1,255}$/;

/** Pages of 100 read at most when looking for a refund or a session: a payment with more is not ours. */
const PAGE_SIZE = 100;
const MAX_PAGES = 10;

/** A session is created when its attempt is (or a little later, a second click on "Pay"); clocks differ a bit. */
const SESSION_CREATED_BEFORE_SECONDS = 5 * 60;
const SESSION_CREATED_AFTER_SECONDS = 60 * 60;

const EXPAND_LISTED = ['data.payment_intent.latest_charge'];

const refused = (reason: string): OperationAnswer => ({ outcome: 'refused', reason });

function parsed<T>(schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } }, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new InvalidBankMessageError('malformed_answer');
  return result.data;
}

const isUnexpectedState = (err: unknown) => err instanceof StripeApiError && err.stripeCode === 'payment_intent_unexpected_state';

/**
 * Capture, cancel, refund and status over Stripe's REST API (API reference: "Capture a PaymentIntent",
 * "Cancel a PaymentIntent", "Create a refund", "List all refunds", "List all Checkout Sessions"). Every
 * POST carries the operation's id as its Idempotency-Key, so the client's own retries and the service's
 * later ones are one operation at Stripe (for the 24 hours Stripe keeps a key).
 */
export class StripeOperations implements BankOperations {
  readonly capabilities = STRIPE_CAPABILITIES;
  readonly #client: StripeClient;
  readonly #live: boolean;

  constructor(client: StripeClient, live: boolean) {
    this.#client = client;
    this.#live = live;
  }

  /** `POST /v1/payment_intents/:id/capture` with `amount_to_capture`: the rest of the authorisation is released. */
  capture(target: OperationTarget, amount: number): Promise<OperationAnswer> {
    return this.#answer(target, async (pi) => {
      const amountToCapture = toStripeAmount(amount, target.payment.currency);
      if (amountToCapture === null) return refused('amount_not_chargeable_at_stripe');
      try {
        const body = await this.#client.request({
          method: 'POST',
          path: `/v1/payment_intents/${pi}/capture`,
          params: { amount_to_capture: amountToCapture },
          idempotencyKey: target.operationId,
        });
        return captureAnswerOf(parsed(paymentIntentSchema, body));
      } catch (err) {
        // Captured or cancelled already (our own earlier capture whose answer was lost, or the dashboard):
        // what the PaymentIntent is now is the answer.
        if (!isUnexpectedState(err)) throw err;
        const now = await this.#paymentIntent(pi);
        return now.status === 'succeeded' || now.status === 'canceled' ? captureAnswerOf(now) : refused('payment_intent_unexpected_state');
      }
    });
  }

  /**
   * `POST /v1/payment_intents/:id/cancel`. Stripe lets a Checkout Session's PaymentIntent be cancelled
   * directly only in `requires_capture`, which is exactly an authorized manual payment.
   */
  void(target: OperationTarget): Promise<OperationAnswer> {
    return this.#answer(target, async (pi) => {
      try {
        const body = await this.#client.request({ method: 'POST', path: `/v1/payment_intents/${pi}/cancel`, idempotencyKey: target.operationId });
        return voidAnswerOf(parsed(paymentIntentSchema, body));
      } catch (err) {
        if (!isUnexpectedState(err)) throw err;
        return voidAnswerOf(await this.#paymentIntent(pi));
      }
    });
  }

  /**
   * `POST /v1/refunds`. Stripe's `reason` is an enum (duplicate, fraudulent, requested_by_customer) that
   * changes how Stripe treats the card: the merchant's free text goes to metadata, never to `reason`.
   */
  refund(target: OperationTarget, amount: number, reason: string | null): Promise<OperationAnswer> {
    return this.#answer(target, async (pi) => {
      const stripeAmount = toStripeAmount(amount, target.payment.currency);
      if (stripeAmount === null) return refused('amount_not_chargeable_at_stripe');
      const metadata: Record<string, FormValue> = { [OPERATION_METADATA_KEY]: target.operationId, payment_id: target.payment.id };
      if (reason) metadata.reason = Array.from(reason).slice(0, METADATA_VALUE_MAX).join('');
      const body = await this.#client.request({
        method: 'POST',
        path: '/v1/refunds',
        params: { payment_intent: pi, amount: stripeAmount, metadata },
        idempotencyKey: target.operationId,
      });
      return refundAnswerOf(parsed(refundSchema, body));
    });
  }

  /**
   * The refund created for this operation, found among the PaymentIntent's refunds by its metadata
   * (Stripe's idempotency keys last 24 hours, metadata for good). Not found means Stripe never received
   * the refund: unknown, so the service sends the same request again, which cannot refund twice.
   */
  refundStatus(target: OperationTarget): Promise<OperationAnswer> {
    return this.#answer(target, async (pi) => {
      const refund = await this.#findRefund(pi, target.operationId);
      return refund ? refundAnswerOf(refund) : { outcome: 'unknown', reason: 'refund_not_found' };
    });
  }

  /**
   * The attempt's Checkout Session as it is now, read as the browser return reads it: by its
   * PaymentIntent when we know it, otherwise among the sessions created around the attempt.
   */
  async status(target: Omit<OperationTarget, 'operationId'>): Promise<BankOutcome | null> {
    const session = await this.#findSession(target.attempt);
    return session ? outcomeOf(session, target.attempt.ref, statusOfSession(session)) : null;
  }

  /** Every refund of a PaymentIntent as Stripe has it now ("List all refunds", newest first), up to MAX_PAGES pages. */
  async refundsOf(paymentIntentId: string): Promise<StripeRefund[]> {
    const refunds: StripeRefund[] = [];
    await this.#findInPages('/v1/refunds', { payment_intent: paymentIntentId }, (item) => {
      refunds.push(parsed(refundSchema, item));
      return undefined;
    });
    return refunds;
  }

  /** The attempt whose Checkout Session holds this PaymentIntent; undefined when no session of ours does. */
  async attemptRefOfPaymentIntent(paymentIntentId: string): Promise<string | undefined> {
    return this.#findInPages('/v1/checkout/sessions', { payment_intent: paymentIntentId }, (item) => {
      const listed = checkoutSessionSchema.safeParse(item);
      if (!listed.success || listed.data.livemode !== this.#live) return undefined;
      return attemptRefOf(listed.data) ?? undefined;
    });
  }

  /** Runs one operation on the attempt's PaymentIntent and turns what it threw into an answer. */
  async #answer(target: OperationTarget, run: (paymentIntentId: string) => Promise<OperationAnswer>): Promise<OperationAnswer> {
    if (!OPERATION_ID.test(target.operationId)) return refused('invalid_operation_id');
    try {
      const pi = await this.#paymentIntentIdOf(target.attempt);
      if (!pi) return refused('no_payment_intent');
      return await run(pi);
    } catch (err) {
      return answerOfError(err);
    }
  }

  /** The attempt's bankTransactionId is its PaymentIntent (checkout-session.ts); an attempt without one is looked up. */
  async #paymentIntentIdOf(attempt: Attempt): Promise<string | undefined> {
    if (attempt.bankTransactionId && PAYMENT_INTENT_ID.test(attempt.bankTransactionId)) return attempt.bankTransactionId;
    const session = await this.#findSession(attempt);
    return session ? paymentIntentIdOf(session) : undefined;
  }

  async #paymentIntent(id: string): Promise<StripePaymentIntent> {
    return parsed(paymentIntentSchema, await this.#client.request({ method: 'GET', path: `/v1/payment_intents/${id}` }));
  }

  async #findRefund(paymentIntentId: string, operationId: string): Promise<StripeRefund | undefined> {
    return this.#findInPages('/v1/refunds', { payment_intent: paymentIntentId }, (item) => {
      const refund = parsed(refundSchema, item);
      return refund.metadata?.[OPERATION_METADATA_KEY] === operationId ? refund : undefined;
    });
  }

  async #findSession(attempt: Attempt): Promise<CheckoutSession | undefined> {
    const knownPi = attempt.bankTransactionId && PAYMENT_INTENT_ID.test(attempt.bankTransactionId) ? attempt.bankTransactionId : undefined;
    const created = Math.floor(Date.parse(attempt.createdAt) / 1000);
    const filter: Record<string, FormValue> = knownPi
      ? { payment_intent: knownPi }
      : { created: { gte: created - SESSION_CREATED_BEFORE_SECONDS, lte: created + SESSION_CREATED_AFTER_SECONDS } };
    return this.#findInPages('/v1/checkout/sessions', { ...filter, expand: EXPAND_LISTED }, (item) => {
      // Other integrations on the account have sessions too, of shapes we do not read: skipped.
      const listed = checkoutSessionSchema.safeParse(item);
      if (!listed.success || listed.data.livemode !== this.#live) return undefined;
      const session = listed.data;
      let ref: string | null;
      try {
        ref = attemptRefOf(session);
      } catch {
        return undefined;
      }
      return ref === attempt.ref ? session : undefined;
    });
  }

  /** Walks a list endpoint page by page (`starting_after`), up to MAX_PAGES, for the first item `pick` keeps. */
  async #findInPages<T>(path: string, params: Record<string, FormValue>, pick: (item: unknown) => T | undefined): Promise<T | undefined> {
    let startingAfter: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const body = await this.#client.request({ method: 'GET', path, params: { ...params, limit: PAGE_SIZE, starting_after: startingAfter } });
      const list = parsed(listPageSchema, body);
      for (const item of list.data) {
        const found = pick(item);
        if (found !== undefined) return found;
      }
      const last = list.data[list.data.length - 1] as { id?: unknown } | undefined;
      if (!list.has_more || typeof last?.id !== 'string') return undefined;
      startingAfter = last.id;
    }
    return undefined;
  }
}
