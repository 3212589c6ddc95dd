import { randomInt } from 'node:crypto';
import type { Locale } from '../../src/index.js';
import type { WebhookEvent } from './webhook-event.js';

/**
 * The shop's own view of an order. It moves only on a verified webhook from the gateway, never on
 * the buyer's return: a buyer who comes back to the shop is a hint, the signed event is the proof.
 */
export type OrderState = 'awaiting_payment' | 'paid' | 'payment_failed' | 'cancelled' | 'expired';

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

/** Paid, cancelled and expired orders do not take a payment any more. */
export function isFinal(state: OrderState): boolean {
  return state === 'paid' || state === 'cancelled' || state === 'expired';
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

  add(init: Pick<Order, 'reference' | 'productId' | 'locale' | 'amount' | 'currency'> & { paymentId?: string; createdAt?: Date }): Order {
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
        if (payment.amount !== order.amount || payment.currency !== order.currency) {
          addFlag(order, `paid ${payment.amount} ${payment.currency}, expected ${order.amount} ${order.currency}`);
        }
        break;
      }
      case 'payment.failed':
        if (!isFinal(order.state)) order.state = 'payment_failed';
        order.card = order.state === 'paid' ? order.card : (cardOf(event, 'refused') ?? order.card);
        break;
      case 'payment.pending':
        // The buyer tries again after a refusal.
        if (order.state === 'payment_failed') order.state = 'awaiting_payment';
        break;
      case 'payment.cancelled':
        if (order.state !== 'paid') order.state = 'cancelled';
        break;
      case 'payment.expired':
        if (order.state !== 'paid') order.state = 'expired';
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
