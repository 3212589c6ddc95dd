import type { PaymentEvent, PaymentEventType } from '../core/events.js';
import type { Payment } from '../core/payment.js';

/**
 * The targets that have something to send for a payment's event, given the payment as the write
 * leaves it (a channel's `wants`): only those get a delivery. The worker asks the channel again when
 * it delivers; a redelivery may still name any configured target.
 */
export type EventTargets = (event: PaymentEvent, payment: Payment) => readonly string[];

/**
 * The transactional outbox. Every payment event is queued for every delivery target (each webhook
 * endpoint, the email channel) by the SAME atomic write that records the state change (the stores'
 * createPayment and commit), so no change can be stored without its notifications being owed.
 *
 * Queues are per (target, payment): one payment's events leave in order, different payments never
 * wait for each other. A worker claims the head of a due queue with a lease; if the worker dies the
 * lease runs out and the queue is due again for any other worker.
 *
 * Why hand-written rather than a job-queue library (bullmq and the like): such a queue keeps its
 * jobs under its own keys and writes them with its own commands, so a job cannot be added in the
 * same atomic step as the payment. A crash between the two writes would lose a notification (the
 * payment changed, no job) or invent one (a job for a change that was never stored). Here the
 * queue entries are written by the very Lua script (or synchronous section) that writes the payment.
 */
export type DeliveryState = 'pending' | 'delivered' | 'dead';

export interface DeliveryAttemptRecord {
  at: string;
  durationMs: number;
  /** HTTP status for webhooks, 250 for an accepted email. */
  status?: number;
  /** Short error text (timeout, connection refused …); never a secret. */
  error?: string;
}

export interface Delivery {
  eventId: string;
  target: string;
  state: DeliveryState;
  attempts: DeliveryAttemptRecord[];
  /** When the next try is due (pending only). */
  nextAttemptAt: string | null;
  /**
   * When the event was queued for this target: when it was written, or when it was last redelivered
   * (a redelivery starts a fresh retry window). Retries stop a configured time after it.
   */
  queuedAt: string;
  deliveredAt: string | null;
}

export interface EventWithDeliveries {
  event: PaymentEvent;
  deliveries: Delivery[];
}

export interface ClaimedDelivery {
  event: PaymentEvent;
  target: string;
  /** 1 for the first try. */
  attemptNumber: number;
  queuedAt: string;
  /** Proves the claim is still ours when completing or failing it. */
  leaseToken: string;
}

export interface CompleteOptions {
  /** How many of the target's queues waiting for a retry to bring forward (0 or absent: none). */
  catchUp?: number;
}

export interface EventQuery {
  type?: PaymentEventType;
  paymentId?: string;
  deliveryState?: DeliveryState;
  /**
   * True: the audit events (audit.recorded, no payment's), which are otherwise never listed, in place
   * of the payments' events. Not with paymentId.
   */
  audit?: boolean;
  limit: number;
  cursor?: string;
}

export interface Outbox {
  /** The delivery targets every event is queued for, in order (`webhook:0`, `email:merchant` …). */
  readonly targets: readonly string[];
  /**
   * Claims up to `limit` due deliveries: the head event of each due (target, payment) queue, leased
   * for `leaseMs` (the queue is not due again until the lease ends or the claim is settled).
   */
  claim(now: Date, limit: number, leaseMs: number): Promise<ClaimedDelivery[]>;
  /**
   * Records a successful try: the delivery becomes delivered and its queue moves to the next event.
   * False when the lease was lost (nothing written).
   *
   * With `catchUp`, the endpoint is known to answer again, so in the same atomic step up to that many
   * of the target's other queues that wait for a retry are made due now (oldest failure first): a
   * backlog left by an outage leaves at once instead of each queue waiting out its own back-off.
   * Queues under a live lease are not touched, and the retry window (queuedAt) does not change.
   */
  complete(claim: ClaimedDelivery, attempt: DeliveryAttemptRecord, options?: CompleteOptions): Promise<boolean>;
  /**
   * Records a failed try. With `retryAt` the queue is due again then; with null the delivery is dead
   * and the queue moves on. False when the lease was lost (nothing written).
   */
  fail(claim: ClaimedDelivery, attempt: DeliveryAttemptRecord, retryAt: Date | null): Promise<boolean>;
  getEvent(eventId: string): Promise<EventWithDeliveries | null>;
  /** Newest first, cursor paging; filters combine. */
  listEventsWithDeliveries(query: EventQuery): Promise<{ items: EventWithDeliveries[]; nextCursor: string | null }>;
  /**
   * Queues the event again for the given targets, or every configured target when none are given
   * (also dead and delivered deliveries), due now; the attempts so far are kept and later tries append
   * to them. The other targets' deliveries are left as they are. False when there is no such event;
   * a RangeError for a target that is not configured.
   */
  redeliver(eventId: string, now: Date, targets?: readonly string[]): Promise<boolean>;
  /** How many deliveries are pending (for health and tests). */
  pendingCount(): Promise<number>;
}
