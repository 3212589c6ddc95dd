import { BackgroundLoop } from '../background-loop.js';
import type { Logger } from '../logger.js';
import type { Payment } from '../core/payment.js';
import type { GatewayStore } from '../store/gateway-store.js';
import type { ClaimedDelivery, DeliveryAttemptRecord } from '../store/outbox.js';
import { isAuditEvent } from '../core/audit-event.js';
import { isStoreFailure } from '../core/store-failure.js';
import type { NotificationChannel } from './channel.js';
import { DEFAULT_RETRY_SCHEDULE, nextRetryAt, type RetryScheduleOptions } from './retry-schedule.js';

export interface DeliveryWorkerOptions {
  /** Its outbox is drained; its payments are read for what each channel says about an event. */
  store: GatewayStore;
  channels: NotificationChannel[];
  logger: Logger;
  schedule?: RetryScheduleOptions;
  /** Deliveries claimed per round (one claim script). */
  batchSize?: number;
  /**
   * The most deliveries in flight at once. A round claims more as soon as there is room, without
   * waiting for the slowest try of the previous round: one slow endpoint holds its own deliveries, not
   * the others'. Each queue (one payment's events for one target) still has one delivery at a time.
   */
  concurrency?: number;
  /** A claim this old is considered abandoned (its worker died) and is handed to another. */
  leaseMs?: number;
  /** Pause between rounds when there was nothing to do. */
  idleMs?: number;
  /**
   * How long after a state change's poke the next round starts: the commits of that window share one
   * claim instead of waking the worker one by one (each wake-up was a claim script for one delivery).
   */
  pokeCoalesceMs?: number;
  /**
   * After a real delivery, how many of that target's queues waiting for a retry are made due now
   * (Outbox.complete): the endpoint answers again, so its backlog goes without waiting out each
   * back-off. Every later success brings the next ones forward.
   */
  catchUp?: number;
  clock?: () => Date;
}

type PaymentReads = (paymentId: string) => Promise<Payment | null>;

/**
 * The payments of one claim, each read once: an event claimed for the webhook and for the emails is
 * about one payment, and its deliveries need it at the same moment.
 */
function paymentsOf(store: GatewayStore): PaymentReads {
  const reads = new Map<string, Promise<Payment | null>>();
  return (paymentId) => {
    let read = reads.get(paymentId);
    if (!read) {
      read = store.getPayment(paymentId);
      reads.set(paymentId, read);
    }
    return read;
  };
}

/**
 * Drains the outbox: claims due deliveries under a lease, sends them, and settles each as delivered,
 * to retry (exponential back-off with jitter) or dead. Any number of workers, in the gateway process
 * or in `npm run worker` processes, may share one store: the lease keeps a delivery with one worker
 * at a time, and a worker that dies loses its leases when they run out.
 */
export class DeliveryWorker extends BackgroundLoop {
  private readonly options: Required<Omit<DeliveryWorkerOptions, 'clock'>> & { clock: () => Date };
  private readonly channels: Map<string, NotificationChannel>;
  /** Set while rounds fail because the store cannot be reached, so an outage is logged once, not each round. */
  private storeDown = false;
  private pokeTimer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(options: DeliveryWorkerOptions) {
    // A worker process is kept alive by its store connection; the pause between rounds holds nothing.
    super(false);
    this.options = {
      schedule: DEFAULT_RETRY_SCHEDULE,
      batchSize: 20,
      concurrency: 40,
      leaseMs: 60_000,
      idleMs: 500,
      pokeCoalesceMs: 10,
      catchUp: 100,
      clock: () => new Date(),
      ...options,
    };
    this.channels = new Map(options.channels.map((c) => [c.target, c]));
  }

  /**
   * Starts the next round soon instead of after the idle pause (called after a state change); pokes
   * within pokeCoalesceMs of the first make one wake-up.
   */
  poke(): void {
    if (this.pokeTimer !== null) return;
    this.pokeTimer = setTimeout(() => {
      this.pokeTimer = null;
      this.wake();
    }, this.options.pokeCoalesceMs);
    this.pokeTimer.unref();
  }

  /** Stops claiming, then waits for the deliveries in flight to be settled. */
  override async stop(): Promise<void> {
    if (this.pokeTimer !== null) clearTimeout(this.pokeTimer);
    this.pokeTimer = null;
    await super.stop();
    await Promise.all(this.inFlight);
  }

  /** One claim, every delivery of it sent and settled before it resolves. Returns how many were claimed. */
  async runOnce(): Promise<number> {
    const claims = await this.claim(this.options.batchSize);
    const payments = paymentsOf(this.options.store);
    await Promise.all(claims.map((claim) => this.handle(claim, payments)));
    return claims.length;
  }

  private async claim(limit: number): Promise<ClaimedDelivery[]> {
    const { store, leaseMs, clock } = this.options;
    return store.outbox.claim(clock(), limit, leaseMs);
  }

  protected async round(): Promise<number> {
    const { batchSize, concurrency, idleMs } = this.options;
    if (this.inFlight.size >= concurrency) {
      // Full: the next round starts when a delivery ends.
      await Promise.race(this.inFlight);
      return 0;
    }
    let claims: ClaimedDelivery[] = [];
    try {
      claims = await this.claim(Math.min(batchSize, concurrency - this.inFlight.size));
      this.storeAnswered();
    } catch (err) {
      this.storeFailed(err);
    }
    const payments = paymentsOf(this.options.store);
    for (const claim of claims) {
      const settled: Promise<void> = this.handle(claim, payments)
        .then(() => this.storeAnswered(), (err: unknown) => this.storeFailed(err))
        .finally(() => {
          this.inFlight.delete(settled);
          // The queue may hold its next event, due now: claimed by a round soon, shared with the
          // other deliveries ending meanwhile.
          if (this.isRunning) this.poke();
        });
      this.inFlight.add(settled);
    }
    return claims.length === 0 ? idleMs : 0;
  }

  private storeAnswered(): void {
    if (!this.storeDown) return;
    this.storeDown = false;
    this.options.logger.warn('outbox deliveries resumed: the store answers again');
  }

  private storeFailed(err: unknown): void {
    if (!isStoreFailure(err)) this.options.logger.error({ err: (err as Error).message }, 'outbox round failed');
    else if (!this.storeDown) {
      // Claimed deliveries not settled stay leased and come back when the lease runs out: none is lost.
      this.storeDown = true;
      this.options.logger.warn({ err: (err as Error).message }, 'outbox deliveries paused: the store is unavailable');
    }
  }

  private async handle(claim: ClaimedDelivery, payments: PaymentReads): Promise<void> {
    const { store, logger, clock, schedule } = this.options;
    const attempt = isAuditEvent(claim.event) ? await this.tryAudit(claim) : await this.tryPaymentEvent(claim, payments);
    if (!attempt) return;
    const { record, delivered } = attempt;
    if (delivered) {
      if (!(await store.outbox.complete(claim, record, { catchUp: this.options.catchUp }))) logger.warn({ event: claim.event.id, target: claim.target }, 'delivery lease lost before completion');
      return;
    }
    const retryAt = nextRetryAt(claim.attemptNumber, new Date(claim.queuedAt), clock(), schedule);
    await store.outbox.fail(claim, record, retryAt);
    logger[retryAt ? 'info' : 'warn'](
      { event: claim.event.id, type: claim.event.type, target: claim.target, attempt: claim.attemptNumber, status: record.status, error: record.error, retryAt: retryAt?.toISOString() ?? null },
      retryAt ? 'delivery failed, will retry' : 'delivery dead after its retry window',
    );
  }

  /** A payment's event: what its channel sent, or null when it was settled without a try. */
  private async tryPaymentEvent(claim: ClaimedDelivery, payments: PaymentReads): Promise<{ record: DeliveryAttemptRecord; delivered: boolean } | null> {
    const { store, clock } = this.options;
    const started = clock();
    const channel = this.channels.get(claim.target);
    const payment = await payments(claim.event.paymentId);
    if (!channel || !payment) {
      // A target removed from the configuration, or an event whose payment is gone: nothing can deliver it.
      await store.outbox.fail(claim, { at: started.toISOString(), durationMs: 0, error: channel ? 'payment not found' : 'target not configured' }, null);
      return null;
    }
    if (!channel.wants(claim.event, payment)) {
      await store.outbox.complete(claim, { at: started.toISOString(), durationMs: 0, status: 204 });
      return null;
    }
    return channel.deliver(claim.event, payment);
  }

  /** An audit event, about no payment: sent by the channels that archive them (webhooks), settled at once by the others. */
  private async tryAudit(claim: ClaimedDelivery): Promise<{ record: DeliveryAttemptRecord; delivered: boolean } | null> {
    const { store, clock } = this.options;
    const started = clock();
    const channel = this.channels.get(claim.target);
    if (!channel) {
      await store.outbox.fail(claim, { at: started.toISOString(), durationMs: 0, error: 'target not configured' }, null);
      return null;
    }
    if (!channel.deliverAudit) {
      await store.outbox.complete(claim, { at: started.toISOString(), durationMs: 0, status: 204 });
      return null;
    }
    return channel.deliverAudit(claim.event);
  }
}
