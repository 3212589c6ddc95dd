import type { AuditEntry } from './audit-entry.js';
import type { AnomalyKind } from './payment.js';

export type PaymentEventType =
  | 'payment.created'
  | 'payment.pending'
  | 'payment.authorized'
  | 'payment.captured'
  | 'payment.succeeded'
  | 'payment.failed'
  | 'payment.cancelled'
  | 'payment.voided'
  | 'payment.expired'
  | 'payment.anomaly'
  | 'payment.checkout_abandoned'
  | 'refund.created'
  | 'refund.succeeded'
  | 'refund.failed';

/** The outbox's one event that is about no payment: an audit entry, queued for the merchant to archive. */
export type AuditEventType = 'audit.recorded';

/**
 * How the gateway learned what the event records, when not from the usual channel (the bank's own
 * message, the merchant's or buyer's request): `status_query`, the gateway asked the bank (a sync,
 * or the reconciliation job).
 */
export type EventSource = 'status_query';

/** The operations whose answers the state machine checks against what was asked. */
export type AnsweredOperation = 'capture' | 'refund';

/**
 * An immutable record that something happened to a payment. Events are written in the same atomic
 * step as the change that caused them, and carry the payment's version so a consumer can drop stale ones.
 */
export interface PaymentEvent {
  id: string;
  type: PaymentEventType | AuditEventType;
  /** The payment, or on audit.recorded one of the audit queues (auditQueueOf): events leave one queue in order. */
  paymentId: string;
  paymentVersion: number;
  occurredAt: string;
  /** Present on payment.anomaly events. */
  anomaly?: AnomalyKind;
  /** The attempt the event is about, when there is one. */
  attemptRef?: string;
  /** The refund the event is about (refund.* events, and an anomaly raised by a refund's answer). */
  refundId?: string;
  /** The money the event moved, in minor units: the capture's amount on payment.captured, the refund's on refund.*. */
  amount?: number;
  /**
   * On a payment.anomaly raised by the bank's answer to an operation (a capture or a refund confirmed
   * with another amount or currency than asked): which operation.
   */
  operation?: AnsweredOperation;
  /** Set when the change was learned by asking the bank (see EventSource). */
  source?: EventSource;
  /** Present on audit.recorded events: the entry, as the audit log keeps it. */
  audit?: AuditEntry;
}
