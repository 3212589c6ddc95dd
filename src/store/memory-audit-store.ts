import type { AuditEntry } from '../core/audit-entry.js';
import { auditEvent } from '../core/audit-event.js';
import type { MemoryOutbox } from './memory-outbox.js';
import { AUDIT_LOG_LIMIT, type AuditPage, type AuditStore } from './audit-store.js';

/**
 * The audit log in this process (demo and tests): a sequence number per entry, the cursor is one.
 * With the store's outbox, each entry's audit.recorded event is queued in the same synchronous
 * section that appends it, so neither is ever stored without the other.
 */
export class MemoryAuditStore implements AuditStore {
  private readonly entries: { seq: number; entry: AuditEntry }[] = [];
  private seq = 0;

  constructor(
    private readonly limit = AUDIT_LOG_LIMIT,
    private readonly outbox?: MemoryOutbox,
  ) {}

  async append(entry: AuditEntry): Promise<void> {
    this.appendNow(entry);
  }

  /** Appends at once, inside the caller's synchronous section (the store's create audits so). */
  appendNow(entry: AuditEntry): void {
    // Its event's listing is bounded like the log itself (the event stays deliverable by id).
    this.outbox?.recordAudit([auditEvent(entry)], this.limit);
    this.seq += 1;
    this.entries.push({ seq: this.seq, entry: structuredClone(entry) });
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
  }

  async list(query: { limit: number; cursor?: string }): Promise<AuditPage> {
    const before = query.cursor ? Number(query.cursor) : Infinity;
    const older = this.entries.filter((e) => e.seq < before).reverse();
    const page = older.slice(0, query.limit);
    const last = page.at(-1);
    return { items: page.map((e) => structuredClone(e.entry)), nextCursor: older.length > query.limit && last ? String(last.seq) : null };
  }
}
