import type { PaymentEvent } from '../core/events.js';
import type { Payment } from '../core/payment.js';
import { paymentJson } from '../core/payment-json.js';

/**
 * The exact bytes POSTed to the merchant for one event. Both signatures are computed over this
 * string, so it is built once per delivery attempt and never re-serialised on the way out.
 *
 * `data.payment` is the payment as the merchant API shows it, as it stands when the body is built:
 * on a retry its `version` may be newer than `data.paymentVersion`, the version the event is about.
 */
export function webhookBody(event: PaymentEvent, payment: Payment, checkoutUrl: string): string {
  if (event.paymentId !== payment.id) throw new Error(`event ${event.id} is about ${event.paymentId}, not ${payment.id}`);
  return JSON.stringify({
    id: event.id,
    type: event.type,
    createdAt: event.occurredAt,
    data: {
      payment: paymentJson(payment, checkoutUrl),
      paymentVersion: event.paymentVersion,
      ...(event.attemptRef ? { attemptRef: event.attemptRef } : {}),
      ...(event.anomaly ? { anomaly: event.anomaly } : {}),
    },
  });
}
