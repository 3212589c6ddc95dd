import { randomInt } from 'node:crypto';
import type { Locale } from '../../src/index.js';
import type { WebhookEvent } from './webhook-event.js';

/**
 * The shop's own view of an order. It moves only on a verified webhook from the gateway, never on
 * the buyer's return: a buyer who comes back to the shop is a hint, the signed event is the proof.
 */
export type OrderState = 'awaiting_payment' | 'authorized' | 'paid' | 'refunded' | 'payment_failed' | 'cancelled' | 'expired';

/** How the order is paid: `automatic` takes the money at once, `manual` reserves it until the shop ships. */
export type OrderCapture = 'automatic' | 'manual';

/** A refund of the order, as the last verified refund event told it. */
export interface OrderRefund {
  id: string;
  amount: number;
  status: 'pending' | 'succeeded' | 'failed';
  reason: string | null;
  failureReason: string | null;
}

export interface OrderCard {
  brand: string;
  last4: string;
}

/** An order the shop created: its own reference and the gateway payment that pays it. */
export interface Order {
  reference: string;
  /** Known once the gateway has created the payment (or a webhook for the reference has named it). */
  paymentId: string | undefined;
  productId: string;
  locale: Locale;
  /** What the buyer owes, in minor units of `currency`. */
  amount: number;
  currency: string;
  createdAt: Date;
  state: OrderState;
  /** The highest `data.paymentVersion` applied so far; an event below it is older news. */
  paymentVersion: number;
  /** The card of the attempt the last succeeded or failed event was about. */
  card: OrderCard | undefined;
  paidAt: Date | undefined;
  /** Anomalies the gateway reported, and what the shop itself found odd (a paid amount that differs). */
  flags: string[];
  capture: OrderCapture;
  /** Minor units taken: the whole amount once an automatic payment succeeded, the captures of a manual one. */
  amountCaptured: number;
  /** Minor units the bank gave back. */
  amountRefunded: number;
  /** Oldest first. */
  refunds: OrderRefund[];
}

/** What applying one webhook event did. */
export type ApplyOutcome =
  /** The order moved (or noted the event's version). */
  | 'applied'
  /** This event id was applied before: nothing changed. */
  | 'duplicate'
  /** The order has already seen a newer version of the payment: nothing changed. */
  | 'stale'
  /** The reference is not an order of this shop (or one it has forgotten): nothing changed. */
  | 'unknown_order'
  /** The reference is ours but the payment is not the one that pays the order: nothing changed. */
  | 'other_payment';

const REFERENCE_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Order references look like `order-k3x9q0a7zm`: 10 characters of [a-z0-9], drawn without bias. */
export function newOrderReference(): string {
  let suffix = '';
  for (let i = 0; i < 10; i += 1) suffix += REFERENCE_ALPHABET[randomInt(REFERENCE_ALPHABET.length)];
  return `order-${suffix}`;
}

export const ORDER_REFERENCE = /^order-[a-z0-9]{10}$/;

/** Authorised, paid, refunded, cancelled and expired orders do not take a payment any more. */
export function isFinal(state: OrderState): boolean {
  return state === 'authorized' || state === 'paid' || state === 'refunded' || state === 'cancelled' || state === 'expired';
}

/** Money was taken for the order: a later cancellation, expiry or refusal cannot undo that. */
export function tookMoney(state: OrderState): boolean {
  return state === 'paid' || state === 'refunded';
}

/**
 * The shop's memory of its orders and of the webhook events it has processed. In memory only (it is
 * a demo): a restart forgets both, and events for forgotten orders are acknowledged and ignored.
 * Bounded so it cannot grow forever.
 */
export class OrderBook {
  readonly #orders = new Map<string, Order>();
  readonly #seenEvents = new Set<string>();
  readonly #capacity: number;
  readonly #eventCapacity: number;

  constructor(capacity = 1000) {
    this.#capacity = capacity;
    // Each order sees a handful of events (created, pending, failed, pending, succeeded, anomaly…).
    this.#eventCapacity = capacity * 20;
  }

  add(init: Pick<Order, 'reference' | 'productId' | 'locale' | 'amount' | 'currency'> & { paymentId?: string; createdAt?: Date; capture?: OrderCapture }): Order {
    const order: Order = {
      reference: init.reference,
      paymentId: init.paymentId,
      productId: init.productId,
      locale: init.locale,
      amount: init.amount,
      currency: init.currency,
      createdAt: init.createdAt ?? new Date(),
      state: 'awaiting_payment',
      paymentVersion: 0,
      card: undefined,
      paidAt: undefined,
      flags: [],
      capture: init.capture ?? 'automatic',
      amountCaptured: 0,
      amountRefunded: 0,
      refunds: [],
    };
    this.#orders.set(order.reference, order);
    while (this.#orders.size > this.#capacity) {
      const oldest = this.#orders.keys().next().value;
      if (oldest === undefined) break;
      this.#orders.delete(oldest);
    }
    return order;
  }

  get(reference: string): Order | undefined {
    return this.#orders.get(reference);
  }

  /** Forgets an order whose payment could not be started. */
  remove(reference: string): void {
    this.#orders.delete(reference);
  }

  /** Records the gateway payment that pays the order, once the gateway has created it. */
  setPaymentId(reference: string, paymentId: string): void {
    const order = this.#orders.get(reference);
    if (order && order.paymentId === undefined) order.paymentId = paymentId;
  }

  /** Newest first. */
  list(limit: number): Order[] {
    return [...this.#orders.values()].reverse().slice(0, limit);
  }

  /**
   * Applies a verified webhook event, at most once per event id. Events can come twice (at-least-once
   * delivery) and out of order (a redelivered old event): one whose payment version is lower than
   * what the order has already applied changes nothing. Events of one change share a version
   * (`payment.succeeded` and the `payment.anomaly` of a late success), so only strictly lower is stale.
   */
  applyEvent(event: WebhookEvent): ApplyOutcome {
    if (this.#seenEvents.has(event.id)) return 'duplicate';
    this.#remember(event.id);
    const { payment, paymentVersion } = event.data;
    const order = this.#orders.get(payment.reference);
    if (!order) return 'unknown_order';
    if (order.paymentId !== undefined && order.paymentId !== payment.id) return 'other_payment';
    if (paymentVersion < order.paymentVersion) return 'stale';

    // The event can arrive before the answer to the create call: it then names the payment first.
    order.paymentId ??= payment.id;
    order.paymentVersion = paymentVersion;
    switch (event.type) {
      case 'payment.succeeded': {
        // Money taken is never ignored, even after a cancellation or an expiry (a late success).
        order.state = 'paid';
        order.paidAt ??= new Date(event.createdAt);
        order.card = cardOf(event, 'authorised') ?? order.card;
        order.amountCaptured = payment.amountCaptured ?? payment.amount;
        if (payment.amount !== order.amount || payment.currency !== order.currency) {
          addFlag(order, `paid ${payment.amount} ${payment.currency}, expected ${order.amount} ${order.currency}`);
        }
        break;
      }
      case 'payment.authorized':
        // The money is reserved; a late reservation after a cancellation or expiry is one too (the gateway flags it).
        if (!tookMoney(order.state)) order.state = 'authorized';
        order.card = cardOf(event, 'authorised') ?? order.card;
        break;
      case 'payment.captured':
        order.amountCaptured = payment.amountCaptured ?? order.amountCaptured + (event.data.amount ?? 0);
        order.paidAt ??= new Date(event.createdAt);
        order.card = cardOf(event, 'authorised') ?? order.card;
        order.state = refundState(order);
        break;
      case 'payment.voided':
        if (!tookMoney(order.state)) order.state = 'cancelled';
        break;
      case 'refund.created':
      case 'refund.succeeded':
      case 'refund.failed':
        applyRefund(order, event);
        break;
      case 'payment.failed':
        if (!isFinal(order.state)) order.state = 'payment_failed';
        order.card = tookMoney(order.state) ? order.card : (cardOf(event, 'refused') ?? order.card);
        break;
      case 'payment.pending':
        // The buyer tries again after a refusal.
        if (order.state === 'payment_failed') order.state = 'awaiting_payment';
        break;
      case 'payment.cancelled':
        if (!tookMoney(order.state)) order.state = 'cancelled';
        break;
      case 'payment.expired':
        // An authorisation not captured in time lapses too: nothing was taken.
        if (!tookMoney(order.state)) order.state = 'expired';
        break;
      case 'payment.anomaly':
        addFlag(order, event.data.anomaly ?? 'anomaly');
        break;
      default:
        // payment.created, and types a newer gateway may add: nothing to do but note the version.
        break;
    }
    return 'applied';
  }

  #remember(eventId: string): void {
    this.#seenEvents.add(eventId);
    while (this.#seenEvents.size > this.#eventCapacity) {
      const oldest = this.#seenEvents.values().next().value;
      if (oldest === undefined) break;
      this.#seenEvents.delete(oldest);
    }
  }
}

/** Paid, or refunded once the bank has given back all that was taken. */
function refundState(order: Order): OrderState {
  return order.amountCaptured > 0 && order.amountRefunded >= order.amountCaptured ? 'refunded' : 'paid';
}

/** A refund event: the refund as the gateway now shows it, and the payment's totals. */
function applyRefund(order: Order, event: WebhookEvent): void {
  const { payment, refund } = event.data;
  if (refund) {
    const known = order.refunds.find((r) => r.id === refund.id);
    const fresh: OrderRefund = { id: refund.id, amount: refund.amount, status: refund.status, reason: refund.reason ?? null, failureReason: refund.failureReason ?? null };
    if (known) Object.assign(known, fresh);
    else order.refunds.push(fresh);
  }
  order.amountCaptured = payment.amountCaptured ?? order.amountCaptured;
  order.amountRefunded = payment.amountRefunded ?? order.refunds.reduce((sum, r) => (r.status === 'succeeded' ? sum + r.amount : sum), 0);
  if (tookMoney(order.state)) order.state = refundState(order);
}

function addFlag(order: Order, flag: string): void {
  if (!order.flags.includes(flag)) order.flags.push(flag);
}

/** The card of the attempt the event is about, or else of the latest attempt with this status that names one. */
function cardOf(event: WebhookEvent, status: 'authorised' | 'refused'): OrderCard | undefined {
  const attempts = event.data.payment.attempts;
  const own = event.data.attemptRef ? attempts.find((a) => a.ref === event.data.attemptRef && a.card) : undefined;
  const chosen = own ?? [...attempts].reverse().find((a) => a.status === status && a.card);
  return chosen?.card ? { brand: chosen.card.brand, last4: chosen.card.last4 } : undefined;
}
