import type { AuditEntry } from './audit-entry.js';
import type { PaymentEvent } from './events.js';

/**
 * The outbox queue audit events wait in, in place of a payment id: payment ids start with `pay_`, so
 * no payment's queue is ever this one, and the audit entries leave in the order they were recorded.
 */
export const AUDIT_QUEUE_ID = 'audit';

/**
 * The audit.recorded event of one entry. Its id is the entry's with the event prefix (`aud_X` gives
 * `evt_X`): known before it is stored, unique as the entry's is, and shaped like every event id.
 */
export function auditEvent(entry: AuditEntry): PaymentEvent {
  return {
    id: `evt_${entry.id.slice(entry.id.indexOf('_') + 1)}`,
    type: 'audit.recorded',
    paymentId: AUDIT_QUEUE_ID,
    paymentVersion: 0,
    occurredAt: entry.at,
    audit: entry,
  };
}

export function isAuditEvent(event: PaymentEvent): boolean {
  return event.type === 'audit.recorded';
}
