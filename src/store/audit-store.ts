import type { AuditEntry } from '../core/audit-entry.js';

/** How many entries an audit log keeps: the oldest go first (a merchant archives them from the events). */
export const AUDIT_LOG_LIMIT = 10_000;

export interface AuditPage {
  items: AuditEntry[];
  nextCursor: string | null;
}

/**
 * The audit log, newest first, bounded to AUDIT_LOG_LIMIT entries. Two adapters (memory, Redis) run
 * the same contract suite (test/contract/audit-store.test.ts).
 */
export interface AuditStore {
  append(entry: AuditEntry): Promise<void>;
  /** A page, newest first; `cursor` is a page's nextCursor. */
  list(query: { limit: number; cursor?: string }): Promise<AuditPage>;
}
