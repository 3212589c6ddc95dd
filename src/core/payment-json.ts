import type { PaymentEvent } from './events.js';
import type { Payment } from './payment.js';
import type { Refund } from './refund.js';

/**
 * Money after the payment: each field only when the payment has it, so an automatic payment nothing
 * was refunded from reads exactly as before manual capture and refunds existed.
 */
function moneyAfterPaymentJson(payment: Payment): Record<string, unknown> {
  return {
    ...(payment.capture !== undefined ? { capture: payment.capture } : {}),
    ...(payment.captureBefore !== undefined ? { captureBefore: payment.captureBefore } : {}),
    ...(payment.amountCapturable !== undefined ? { amountCapturable: payment.amountCapturable } : {}),
    ...(payment.amountCaptured !== undefined ? { amountCaptured: payment.amountCaptured } : {}),
    ...(payment.amountRefunded !== undefined ? { amountRefunded: payment.amountRefunded } : {}),
    ...(payment.cancellationReason !== undefined ? { cancellationReason: payment.cancellationReason } : {}),
    ...(payment.refunds !== undefined ? { refunds: payment.refunds.map(refundJson) } : {}),
  };
}

/** The merchant API's view of a refund (GET /refunds/:id, and inside its payment). */
export function refundJson(refund: Refund): Record<string, unknown> {
  return {
    id: refund.id,
    paymentId: refund.paymentId,
    amount: refund.amount,
    currency: refund.currency,
    status: refund.status,
    reason: refund.reason,
    bankReference: refund.bankReference,
    failureReason: refund.failureReason,
    createdAt: refund.createdAt,
    updatedAt: refund.updatedAt,
    ...(refund.source !== undefined ? { source: refund.source } : {}),
  };
}

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
      authentication: a.authentication ?? null,
    })),
    ...moneyAfterPaymentJson(payment),
    // Shown only when the merchant gave them, so other payments read exactly as before.
    ...(payment.checkout !== undefined ? { checkout: payment.checkout } : {}),
    ...(payment.cancelUrl !== undefined ? { cancelUrl: payment.cancelUrl } : {}),
    ...(payment.notifyCheckoutAbandoned ? { notifyCheckoutAbandoned: true } : {}),
    ...(payment.checkoutAbandonedAt !== undefined ? { checkoutAbandonedAt: payment.checkoutAbandonedAt } : {}),
    ...(events ? { events: events.map(eventJson) } : {}),
  };
}

/**
 * An audit.recorded event as the events API shows it: it is no payment's, so it has no paymentId nor
 * paymentVersion (its queue's name is not a payment id); `audit` is the entry, as the webhook body's
 * `data.audit`.
 */
export function auditEventJson(event: PaymentEvent): Record<string, unknown> {
  if (!event.audit) throw new Error(`event ${event.id} carries no audit entry`);
  return { id: event.id, type: event.type, occurredAt: event.occurredAt, audit: event.audit };
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
    ...(event.refundId ? { refundId: event.refundId } : {}),
    ...(event.amount !== undefined ? { amount: event.amount } : {}),
    ...(event.operation ? { operation: event.operation } : {}),
    ...(event.source ? { source: event.source } : {}),
  };
}
