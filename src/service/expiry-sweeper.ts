import { BackgroundLoop } from '../background-loop.js';
import type { Logger } from '../logger.js';
import type { PaymentService } from './payment-service.js';

export interface ExpirySweeperOptions {
  /** Payments claimed and expired per batch. */
  batchSize?: number;
  /**
   * The longest pause between two looks at the store. The sweeper wakes at the next due time it
   * knows of, but payments created by another instance can fall due sooner: this bounds how late
   * their expiry is recorded.
   */
  maxPauseMs: number;
  /** The pause after a failed batch (Redis unreachable), so an outage is not a busy loop. */
  errorPauseMs?: number;
  logger: Logger;
}

// Due times are in ms and clocks of instances differ a little: never spin faster than this.
const MIN_PAUSE_MS = 5;

/**
 * Records expiries as they fall due. A full batch is followed at once by the next one, so a backlog
 * drains at the store's speed; otherwise the sweeper sleeps until the next due time the store
 * reported, at most `maxPauseMs`. Any number of instances may sweep one store: each batch is a claim
 * (PaymentStore.claimDueForExpiry), so they share the work instead of repeating it.
 */
export class ExpirySweeper extends BackgroundLoop {
  private readonly options: Required<ExpirySweeperOptions>;

  constructor(
    private readonly service: PaymentService,
    options: ExpirySweeperOptions,
  ) {
    // The sweeper's pauses never keep a process alive: the gateway's listener and connections do.
    super(true);
    this.options = { batchSize: 100, errorPauseMs: 1000, ...options };
  }

  protected async round(): Promise<number> {
    const { batchSize, maxPauseMs, errorPauseMs, logger } = this.options;
    try {
      const batch = await this.service.expireBatch(batchSize);
      if (batch.claimed >= batchSize) return 0;
      const untilDue = batch.nextDueAt === null ? maxPauseMs : batch.nextDueAt.getTime() - this.service.now().getTime();
      return Math.min(maxPauseMs, Math.max(MIN_PAUSE_MS, untilDue));
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'expiry sweep failed');
      return errorPauseMs;
    }
  }
}
