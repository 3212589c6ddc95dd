import type { PaymentEvent } from '../core/events.js';
import type { Payment, PaymentStatus } from '../core/payment.js';
import type { CommitInput, CreatePaymentInput, PaymentStore } from '../store/payment-store.js';

/** The events that say a payment reached a status (voided: cancelled; captured: succeeded, on the first capture). */
function reachedStatus(next: Payment, events: PaymentEvent[]): PaymentStatus | null {
  for (const event of events) {
    switch (event.type) {
      case 'payment.created':
      case 'payment.pending':
      case 'payment.authorized':
      case 'payment.succeeded':
      case 'payment.failed':
      case 'payment.cancelled':
      case 'payment.voided':
      case 'payment.expired':
        return next.status;
      case 'payment.captured':
        // A later partial capture of a payment already succeeded changes no status.
        if (next.amountCaptured === event.amount) return next.status;
        break;
      case 'payment.anomaly':
      case 'payment.checkout_abandoned':
      case 'refund.created':
      case 'refund.succeeded':
      case 'refund.failed':
        break;
    }
  }
  return null;
}

/**
 * The store, counting each committed status change (`hpp_payments_total`). Counted at the store
 * because every change of every path (API, checkout, bank messages, operations, the expiry sweeper)
 * is a commit there, and only a commit that went through counts: a writer that lost the race counts
 * nothing. Everything else is the store's own, unchanged.
 */
export function meteredStore<S extends PaymentStore>(store: S, count: (connector: string, status: PaymentStatus) => void): S {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'createPayment') {
        return async (input: CreatePaymentInput) => {
          const outcome = await target.createPayment(input);
          if (outcome.kind === 'created') count(outcome.payment.connector, outcome.payment.status);
          return outcome;
        };
      }
      if (property === 'commit') {
        return async (input: CommitInput) => {
          const committed = await target.commit(input);
          const status = committed ? reachedStatus(input.next, input.events) : null;
          if (status) count(input.next.connector, status);
          return committed;
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      // Methods run on the store itself (its private fields are not the proxy's).
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
