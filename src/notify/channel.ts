import type { PaymentEvent } from '../core/events.js';
import type { Payment } from '../core/payment.js';
import type { DeliveryAttemptRecord } from '../store/outbox.js';

/**
 * One delivery target of the outbox (a webhook endpoint, the merchant's or the buyer's email).
 * `deliver` never throws: it reports what happened, and the worker decides between done, retry and dead.
 */
export interface NotificationChannel {
  /** The outbox target name, e.g. `webhook:0`, `email:merchant`. */
  readonly target: string;
  /** Events this channel has nothing to say about are settled at once without a try. */
  wants(event: PaymentEvent, payment: Payment): boolean;
  deliver(event: PaymentEvent, payment: Payment): Promise<{ record: DeliveryAttemptRecord; delivered: boolean }>;
  /** Sends an audit.recorded event (about no payment); a channel without it has nothing to say about them. */
  deliverAudit?(event: PaymentEvent): Promise<{ record: DeliveryAttemptRecord; delivered: boolean }>;
}
