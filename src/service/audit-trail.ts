import { auditEntryOf, type AuditRecord } from '../core/audit-entry.js';
import { newId } from '../core/ids.js';
import type { Logger } from '../logger.js';
import type { AuditPage, AuditStore } from '../store/audit-store.js';

export type { AuditPage } from '../store/audit-store.js';
export type { AuditRecord } from '../core/audit-entry.js';

/**
 * Who did what and when, for the console's audit page: every console action and every merchant API
 * operation is recorded here once it has been done, but a payment's creation, which the store
 * records in the write that creates it (PaymentService.create). A record that cannot be written is logged
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
    const entry = auditEntryOf(record, this.clock(), newId('aud'));
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
