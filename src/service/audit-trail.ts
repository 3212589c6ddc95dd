import { auditEntryOf, type AuditEntry, type AuditRecord } from '../core/audit-entry.js';
import { newId } from '../core/ids.js';
import type { Logger } from '../logger.js';
import type { AuditPage, AuditStore } from '../store/audit-store.js';

export type { AuditPage } from '../store/audit-store.js';
export type { AuditRecord } from '../core/audit-entry.js';

/**
 * Who did what and when, for the console's audit page: every console action and every merchant API
 * operation is recorded here once it has been done. An operation that changes a payment (its
 * creation, a capture, a void, a cancellation, a refund) is recorded by the store in the write that makes the change
 * (PaymentService.create, PaymentOperations); one that changes nothing is appended here. A record that cannot be written is logged
 * (with what it would have said) rather than thrown: the operation it describes has already
 * happened, and answering it as failed would invite the user to do it again.
 */
export class AuditTrail {
  constructor(
    private readonly store: AuditStore,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async record(record: AuditRecord): Promise<void> {
    await this.append(this.entryOf(record));
  }

  /** The entry of `record`, made now: for a write that appends it itself (PaymentStore.commit's `audit`). */
  entryOf(record: AuditRecord): AuditEntry {
    return auditEntryOf(record, this.clock(), newId('aud'));
  }

  /** Appends an entry made by entryOf, with record's handling of a failure. */
  async append(entry: AuditEntry): Promise<void> {
    try {
      await this.store.append(entry);
    } catch (err) {
      this.logger.error({ audit: entry, err: err instanceof Error ? err.message : String(err) }, 'audit entry not stored');
    }
  }

  list(query: { limit: number; cursor?: string }): Promise<AuditPage> {
    return this.store.list(query);
  }
}
