import { randomBytes } from 'node:crypto';

/** What the shop's staff can do to an order from its page. */
export type OrderAction = 'ship' | 'refund';

interface Issued {
  reference: string;
  action: OrderAction;
  expiresAt: number;
}

/**
 * One token per rendered Ship or Refund form. It is the form's proof of origin (a page of this shop
 * for this order and action) and the Idempotency-Key of the gateway call: a double click, or the
 * browser sending the form again, asks the gateway the same request twice, and the gateway answers
 * the first result again instead of capturing or refunding twice. A new page render is a new
 * request. Tokens are not used up (a retry must carry the same key); they lapse after `ttlMs`.
 */
export class ActionTokens {
  readonly #issued = new Map<string, Issued>();

  constructor(
    private readonly ttlMs = 3_600_000,
    private readonly capacity = 5_000,
    private readonly clock: () => number = Date.now,
  ) {}

  issue(reference: string, action: OrderAction): string {
    const token = randomBytes(18).toString('base64url');
    this.#issued.set(token, { reference, action, expiresAt: this.clock() + this.ttlMs });
    while (this.#issued.size > this.capacity) {
      const oldest = this.#issued.keys().next().value;
      if (oldest === undefined) break;
      this.#issued.delete(oldest);
    }
    return token;
  }

  /** Whether `token` was issued for this order and action and has not lapsed. */
  accepts(token: unknown, reference: string, action: OrderAction): token is string {
    if (typeof token !== 'string') return false;
    const issued = this.#issued.get(token);
    if (!issued) return false;
    if (issued.expiresAt <= this.clock()) {
      this.#issued.delete(token);
      return false;
    }
    return issued.reference === reference && issued.action === action;
  }
}
