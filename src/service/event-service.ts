import { NotFoundError, ValidationError } from '../core/errors.js';
import type { EventQuery, EventWithDeliveries, Outbox } from '../store/outbox.js';

// The vocabulary of the events API, which reaches the outbox through this service only.
export type { DeliveryState, EventQuery, EventWithDeliveries } from '../store/outbox.js';

export interface EventServiceOptions {
  /** Called after a redelivery is queued: wakes the delivery worker instead of waiting for its next poll. */
  onRedeliver?: () => void;
  clock?: () => Date;
}

/** The refusal of a redelivery target that is not one of the outbox's. */
export function unknownTargetError(configured: readonly string[]): ValidationError {
  return new ValidationError([{ field: 'target', message: `target must be one of: ${configured.join(', ')}` }]);
}

/**
 * The merchant's view of the events and of their delivery, over the outbox: the one path from HTTP to
 * it, and where the rule of what a redelivery resends lives.
 */
export class EventService {
  private readonly outbox: Outbox;
  private readonly options: EventServiceOptions;
  private readonly clock: () => Date;

  constructor(outbox: Outbox, options: EventServiceOptions = {}) {
    this.outbox = outbox;
    this.options = options;
    this.clock = options.clock ?? (() => new Date());
  }

  /** The delivery targets events are queued for (`webhook:0`, `email:merchant`, `email:buyer`). */
  get targets(): readonly string[] {
    return this.outbox.targets;
  }

  /** Newest first, cursor paging; filters combine. */
  list(query: EventQuery): Promise<{ items: EventWithDeliveries[]; nextCursor: string | null }> {
    return this.outbox.listEventsWithDeliveries(query);
  }

  /** The event with its deliveries, or null when there is no such event. */
  get(eventId: string): Promise<EventWithDeliveries | null> {
    return this.outbox.getEvent(eventId);
  }

  /**
   * Queues the event again, due now, for `target`, or for every webhook endpoint when none is named.
   * Never everything by default: redelivering an event the merchant's system missed must not send the
   * buyer a second receipt. Returns the event as it stands after.
   */
  async redeliver(eventId: string, target?: string): Promise<EventWithDeliveries> {
    const chosen = this.redeliveryTargets(target);
    if (!(await this.outbox.redeliver(eventId, this.clock(), chosen))) throw new NotFoundError('No event with this id.');
    this.options.onRedeliver?.();
    const found = await this.outbox.getEvent(eventId);
    if (!found) throw new NotFoundError('No event with this id.');
    return found;
  }

  private redeliveryTargets(target: string | undefined): string[] {
    const configured = this.outbox.targets;
    if (target !== undefined) {
      if (!configured.includes(target)) throw unknownTargetError(configured);
      return [target];
    }
    const webhooks = configured.filter((t) => t.startsWith('webhook:'));
    if (webhooks.length === 0) {
      throw new ValidationError([{ field: 'target', message: `no webhook endpoint is configured: name a target, one of: ${configured.join(', ')}` }]);
    }
    return webhooks;
  }
}
