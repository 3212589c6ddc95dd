import type { PaymentEvent } from '../core/events.js';
import type { Payment } from '../core/payment.js';
import { paymentJson, refundJson } from '../core/payment-json.js';

/**
 * The exact bytes POSTed to the merchant for one event. Both signatures are computed over this
 * string, so it is built once per delivery attempt and never re-serialised on the way out.
 *
 * `data.payment` is the payment as the merchant API shows it, as it stands when the body is built:
 * on a retry its `version` may be newer than `data.paymentVersion`, the version the event is about.
 * `data.amount` is the money the event moved (the capture on payment.captured, the amount reserved on
 * payment.authorized, the refund's on refund.*). An event about a refund carries `data.refund`, the
 * refund as `GET /api/v1/refunds/:id` shows it, as it stands when the body is built, like the payment.
 */
export function webhookBody(event: PaymentEvent, payment: Payment, checkoutUrl: string): string {
  if (event.paymentId !== payment.id) throw new Error(`event ${event.id} is about ${event.paymentId}, not ${payment.id}`);
  const refund = event.refundId === undefined ? undefined : payment.refunds?.find((r) => r.id === event.refundId);
  if (event.refundId !== undefined && !refund) throw new Error(`event ${event.id} is about refund ${event.refundId}, which payment ${payment.id} does not have`);
  return JSON.stringify({
    id: event.id,
    type: event.type,
    createdAt: event.occurredAt,
    data: {
      payment: paymentJson(payment, checkoutUrl),
      paymentVersion: event.paymentVersion,
      ...(event.attemptRef ? { attemptRef: event.attemptRef } : {}),
      ...(event.anomaly ? { anomaly: event.anomaly } : {}),
      ...(event.operation ? { operation: event.operation } : {}),
      ...(event.amount !== undefined ? { amount: event.amount } : {}),
      ...(refund ? { refund: refundJson(refund) } : {}),
    },
  });
}

/**
 * The bytes POSTed for an audit.recorded event: `data.audit` is the entry as the audit log keeps it
 * (who, by the user's email or the API key's name, never the key; what; when; which payment).
 */
export function auditWebhookBody(event: PaymentEvent): string {
  if (!event.audit) throw new Error(`event ${event.id} carries no audit entry`);
  return JSON.stringify({ id: event.id, type: event.type, createdAt: event.occurredAt, data: { audit: event.audit } });
}
