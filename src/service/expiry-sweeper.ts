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
export class ExpirySweeper {
  private readonly options: Required<ExpirySweeperOptions>;
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly service: PaymentService,
    options: ExpirySweeperOptions,
  ) {
    this.options = { batchSize: 100, errorPauseMs: 1000, ...options };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = null;
  }

  private async run(): Promise<void> {
    const { batchSize, maxPauseMs, errorPauseMs, logger } = this.options;
    while (this.running) {
      let pauseMs: number;
      try {
        const batch = await this.service.expireBatch(batchSize);
        if (batch.claimed >= batchSize) continue;
        const untilDue = batch.nextDueAt === null ? maxPauseMs : batch.nextDueAt.getTime() - this.service.now().getTime();
        pauseMs = Math.min(maxPauseMs, Math.max(MIN_PAUSE_MS, untilDue));
      } catch (err) {
        logger.error({ err: (err as Error).message }, 'expiry sweep failed');
        pauseMs = errorPauseMs;
      }
      if (this.running) await this.pause(pauseMs);
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      timer.unref?.();
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }
}
