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
  /** The pause after a failed claim (Redis unreachable), so an outage is not a busy loop. */
  errorPauseMs?: number;
  clock?: () => Date;
  logger: Pick<Logger, 'warn' | 'error'>;
}

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
    private readonly store: Pick<PaymentStore, 'claimForReconciliation' | 'forgetReconciliation'>,
    private readonly operations: Pick<PaymentOperations, 'canAskAbout' | 'reconcile'>,
    options: ReconcilerOptions,
  ) {
    // Its pauses never keep a process alive: the gateway's listener and connections do.
    super(true);
    const { clock, ...rest } = options;
    this.options = { batchSize: 20, errorPauseMs: 1000, ...rest };
    this.clock = clock ?? (() => new Date());
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
