import type { AuditStore } from './audit-store.js';
import type { Outbox } from './outbox.js';
import type { PaymentStore } from './payment-store.js';

/**
 * What the gateway runs on: payments, and the outbox their events are queued in by the same writes.
 * The outbox is an object of its own (the delivery worker and the events API use it, not the
 * payments), reached through the store that writes it. The audit log is reached the same way: each
 * entry's audit.recorded event enters the outbox by the write that appends the entry.
 */
export interface GatewayStore extends PaymentStore {
  readonly outbox: Outbox;
  readonly auditLog: AuditStore;
}
