import type { PaymentEvent } from './events.js';
import type { Payment } from './payment.js';

/** The merchant API's view of a payment: stable field names, no internal bookkeeping. */
export function paymentJson(payment: Payment, checkoutUrl: string, events?: PaymentEvent[]): Record<string, unknown> {
  return {
    id: payment.id,
    status: payment.status,
    amount: payment.amount,
    currency: payment.currency,
    reference: payment.reference,
    description: payment.description,
    customer: payment.customer,
    checkoutUrl,
    returnUrl: payment.returnUrl,
    expiresAt: payment.expiresAt,
    createdAt: payment.createdAt,
    updatedAt: payment.updatedAt,
    version: payment.version,
    metadata: payment.metadata,
    connector: payment.connector,
    anomalies: payment.anomalies,
    attempts: payment.attempts.map((a) => ({
      ref: a.ref,
      status: a.status,
      createdAt: a.createdAt,
      updatedAt: a.updatedAt,
      bankTransactionId: a.bankTransactionId ?? null,
      authorisationCode: a.authorisationCode ?? null,
      card: a.card ?? null,
      responseCode: a.responseCode ?? null,
    })),
    ...(events ? { events: events.map(eventJson) } : {}),
  };
}

export function eventJson(event: PaymentEvent): Record<string, unknown> {
  return {
    id: event.id,
    type: event.type,
    paymentId: event.paymentId,
    paymentVersion: event.paymentVersion,
    occurredAt: event.occurredAt,
    ...(event.attemptRef ? { attemptRef: event.attemptRef } : {}),
    ...(event.anomaly ? { anomaly: event.anomaly } : {}),
  };
}
