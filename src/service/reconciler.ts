import { BackgroundLoop } from '../background-loop.js';
import type { Logger } from '../logger.js';
import type { PaymentStore, ReconcileBackoff } from '../store/payment-store.js';
import type { PaymentOperations } from './payment-operations.js';

export interface ReconcilerOptions extends ReconcileBackoff {
  /** Payments claimed and asked about per batch. */
  batchSize?: number;
  /**
   * The longest pause between two looks at the store: payments that begin to await the bank on
   * another instance can fall due sooner than the next due time this one knows of.
   */
  maxPauseMs: number;
  /** Payment keys looked at per step of the start's backfill of the reconciliation set. */
  backfillBatchSize?: number;
  /** The pause after a failed claim (Redis unreachable), so an outage is not a busy loop. */
  errorPauseMs?: number;
  clock?: () => Date;
  logger: Pick<Logger, 'warn' | 'error'>;
}

/**
 * The backfill's lease: one instance walks the store while others starting at the same moment skip
 * it, and a fleet restarted within this time walks it once. The walk is idempotent, so a lease that
 * lapses under a slow walk costs a second walk, never a wrong entry.
 */
const BACKFILL_LEASE_KEY = 'reconcile-backfill';
const BACKFILL_LEASE_SECONDS = 600;

// Due times are in ms and clocks of instances differ a little: never spin faster than this.
const MIN_PAUSE_MS = 5;

/**
 * Asks the bank about every payment that has waited RECONCILE_AFTER for its word (a pending attempt
 * whose notification never came, a refund whose answer never came), again and again with a doubling
 * wait until it knows, through the same sync as POST /payments/:id/sync: each answer goes through the
 * state machine like a notification, and its events say they came from a status query. Each batch is
 * a claim (PaymentStore.claimForReconciliation), so any number of instances share the work and never
 * ask about one payment at once. A payment whose bank cannot be asked leaves the set: the expiry
 * sweeper settles it as before.
 */
export class Reconciler extends BackgroundLoop {
  private readonly options: Required<Omit<ReconcilerOptions, 'clock'>>;
  private readonly clock: () => Date;

  constructor(
    private readonly store: Pick<PaymentStore, 'claimForReconciliation' | 'forgetReconciliation' | 'backfillReconciliation' | 'rememberOnce'>,
    private readonly operations: Pick<PaymentOperations, 'canAskAbout' | 'reconcile'>,
    options: ReconcilerOptions,
  ) {
    // Its pauses never keep a process alive: the gateway's listener and connections do.
    super(true);
    const { clock, ...rest } = options;
    this.options = { batchSize: 20, backfillBatchSize: 200, errorPauseMs: 1000, ...rest };
    this.clock = clock ?? (() => new Date());
    this.leaseToken = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  }

  private readonly leaseToken: string;
  private backfilled = false;

  /**
   * Once per start, before the first claim: payments left awaiting the bank by a version before the
   * reconciliation set existed (or whose entry was lost) are put in it, by a walk of the store in
   * batches under a lease. Returns how many entered the set; 0 when another instance holds the lease.
   */
  async backfill(): Promise<number> {
    const holder = await this.store.rememberOnce(BACKFILL_LEASE_KEY, this.leaseToken, BACKFILL_LEASE_SECONDS);
    if (holder !== this.leaseToken) return 0;
    let added = 0;
    let cursor = '0';
    do {
      const step = await this.store.backfillReconciliation(cursor, this.options.backfillBatchSize);
      added += step.added;
      cursor = step.cursor;
    } while (cursor !== '0');
    if (added > 0) this.options.logger.warn({ added }, 'payments awaiting the bank put back in the reconciliation set');
    return added;
  }

  /** One batch: claims the payments due and asks about each; returns how many were claimed and when the next falls due. */
  async reconcileBatch(): Promise<{ claimed: number; nextDueAt: Date | null }> {
    const { batchSize, firstAfterMs, maxDelayMs, logger } = this.options;
    const claim = await this.store.claimForReconciliation(this.clock(), batchSize, { firstAfterMs, maxDelayMs });
    // One at a time: each ask is a bank call, and a batch must not become a burst at one bank.
    for (const { payment, earlierAsks, nextAskAt } of claim.claimed) {
      if (!this.operations.canAskAbout(payment)) {
        await this.store.forgetReconciliation(payment.id);
        continue;
      }
      try {
        const after = await this.operations.reconcile(payment);
        if (after.status === 'pending' || (after.refunds ?? []).some((r) => r.status === 'pending')) {
          logger.warn({ payment: payment.id, asks: earlierAsks + 1, nextAskAt: nextAskAt.toISOString() }, 'bank has no final answer yet; asking again later');
        }
      } catch (err) {
        // The claim already set the next ask: a bank that did not answer is asked again after the back-off.
        logger.warn({ payment: payment.id, asks: earlierAsks + 1, nextAskAt: nextAskAt.toISOString(), err: (err as Error).message }, 'reconciliation ask failed');
      }
    }
    return { claimed: claim.claimed.length, nextDueAt: claim.nextDueAt };
  }

  protected async round(): Promise<number> {
    const { batchSize, maxPauseMs, errorPauseMs, logger } = this.options;
    try {
      if (!this.backfilled) {
        await this.backfill();
        this.backfilled = true;
      }
      const batch = await this.reconcileBatch();
      if (batch.claimed >= batchSize) return 0;
      const untilDue = batch.nextDueAt === null ? maxPauseMs : batch.nextDueAt.getTime() - this.clock().getTime();
      return Math.min(maxPauseMs, Math.max(MIN_PAUSE_MS, untilDue));
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'reconciliation round failed');
      return errorPauseMs;
    }
  }
}
