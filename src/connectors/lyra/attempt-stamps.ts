import type { TransactionStamp } from './trans-id.js';

/** Long enough to cover the checkout's default attempt-reuse window (10 minutes). */
export const DEFAULT_STAMP_LIFETIME_MS = 15 * 60_000;

interface Entry {
  stamp: Promise<TransactionStamp>;
  /** The UTC day (`YYYYMMDD`) of the stamp: an identifier is only unique within its day. */
  day: string;
  expiresAtMs: number;
}

/**
 * The `vads_trans_id` given to each attempt, remembered in this process for a while. The checkout sends
 * a double click or a second tab back to the same attempt and builds its form again: with the same
 * `vads_trans_id` and `vads_trans_date`, Lyra creates at most one transaction for it, where a fresh
 * identifier would let the buyer pay the same attempt twice. This memory shares one allocation between
 * concurrent builds in one process; across gateway instances the connector keeps the stamp in the
 * store (`rememberOnce`), so every instance sends the same identifiers for one attempt.
 */
export class AttemptStamps {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly lifetimeMs: number = DEFAULT_STAMP_LIFETIME_MS) {}

  /**
   * The stamp already given to `attemptRef` on the same UTC day, or a new one from `create`. The promise
   * is remembered before it settles, so concurrent builds for one attempt share one identifier.
   */
  get(attemptRef: string, now: Date, create: (now: Date) => Promise<TransactionStamp>): Promise<TransactionStamp> {
    this.sweep(now.getTime());
    const day = utcDay(now);
    const known = this.entries.get(attemptRef);
    if (known && known.day === day) return known.stamp;

    const entry: Entry = { stamp: create(now), day, expiresAtMs: now.getTime() + this.lifetimeMs };
    // Map order is insertion order: delete first so a renewed entry moves to the end (sweep relies on it).
    this.entries.delete(attemptRef);
    this.entries.set(attemptRef, entry);
    entry.stamp.catch(() => {
      // A failed allocation is not remembered: the next build tries again.
      if (this.entries.get(attemptRef) === entry) this.entries.delete(attemptRef);
    });
    return entry.stamp;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Entries share one lifetime, so insertion order is expiry order: stop at the first live one. */
  private sweep(nowMs: number): void {
    for (const [ref, entry] of this.entries) {
      if (entry.expiresAtMs > nowMs) return;
      this.entries.delete(ref);
    }
  }
}

function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10).replace(/-/g, '');
}
