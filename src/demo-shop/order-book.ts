import { randomInt } from 'node:crypto';
import type { Locale, PaymentStatus } from '../core/payment.js';

/** An order the shop created: its own reference and the gateway payment that pays it. */
export interface Order {
  reference: string;
  paymentId: string;
  productId: string;
  locale: Locale;
  createdAt: Date;
  /** What the gateway said the last time the shop asked. */
  lastStatus: PaymentStatus;
}

const REFERENCE_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Order references look like `order-k3x9q0a7zm`: 10 characters of [a-z0-9], drawn without bias. */
export function newOrderReference(): string {
  let suffix = '';
  for (let i = 0; i < 10; i += 1) suffix += REFERENCE_ALPHABET[randomInt(REFERENCE_ALPHABET.length)];
  return `order-${suffix}`;
}

export const ORDER_REFERENCE = /^order-[a-z0-9]{10}$/;

/**
 * The shop's memory of its orders. In memory only (it is a demo): a restart forgets the list, but an
 * order page still works because the gateway is asked by reference. Bounded so it cannot grow forever.
 */
export class OrderBook {
  readonly #orders = new Map<string, Order>();
  readonly #capacity: number;

  constructor(capacity = 1000) {
    this.#capacity = capacity;
  }

  add(order: Order): void {
    this.#orders.set(order.reference, order);
    while (this.#orders.size > this.#capacity) {
      const oldest = this.#orders.keys().next().value;
      if (oldest === undefined) break;
      this.#orders.delete(oldest);
    }
  }

  get(reference: string): Order | undefined {
    return this.#orders.get(reference);
  }

  noteStatus(reference: string, status: PaymentStatus): void {
    const order = this.#orders.get(reference);
    if (order) order.lastStatus = status;
  }

  /** Newest first. */
  list(limit: number): Order[] {
    return [...this.#orders.values()].reverse().slice(0, limit);
  }
}
