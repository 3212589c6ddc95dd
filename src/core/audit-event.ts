import type { AuditEntry } from './audit-entry.js';
import type { PaymentEvent } from './events.js';

/**
 * How many outbox queues the audit events are spread over, per target. A queue sends one event at a
 * time, so a single queue for the whole log carried one entry per endpoint round trip (a hundred a
 * second on a fast endpoint, a dozen over the internet) while the API records one per operation: the
 * log's events fell behind for good under load. Entries carry their time and id; their order across
 * queues is not kept (the console's log and the store's copy are in order).
 */
export const AUDIT_QUEUES = 16;

/**
 * The outbox queue an entry's event waits in, in place of a payment id (`audit:0` … `audit:15`):
 * payment ids start with `pay_`, so no payment's queue is ever one of these. Chosen by a hash of the
 * entry's id (FNV-1a), so entries spread evenly and each always lands in the same queue.
 */
export function auditQueueOf(entryId: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < entryId.length; i += 1) hash = Math.imul(hash ^ entryId.charCodeAt(i), 0x01000193) >>> 0;
  return `audit:${hash % AUDIT_QUEUES}`;
}

/**
 * The audit.recorded event of one entry. Its id is the entry's with the event prefix (`aud_X` gives
 * `evt_X`): known before it is stored, unique as the entry's is, and shaped like every event id.
 */
export function auditEvent(entry: AuditEntry): PaymentEvent {
  return {
    id: `evt_${entry.id.slice(entry.id.indexOf('_') + 1)}`,
    type: 'audit.recorded',
    paymentId: auditQueueOf(entry.id),
    paymentVersion: 0,
    occurredAt: entry.at,
    audit: entry,
  };
}

export function isAuditEvent(event: PaymentEvent): boolean {
  return event.type === 'audit.recorded';
}
