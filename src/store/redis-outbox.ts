import { randomBytes } from '../core/random-bytes.js';
import type { PaymentEvent } from '../core/events.js';
import type { Payment } from '../core/payment.js';
import { assertListLimit, decodeCursor, encodeCursor, type ListPosition } from './list-cursor.js';
import type {
  ClaimedDelivery,
  CompleteOptions,
  Delivery,
  DeliveryAttemptRecord,
  DeliveryState,
  EventQuery,
  EventTargets,
  EventWithDeliveries,
  Outbox,
} from './outbox.js';
import { assertClaimArguments, assertEventQuery, attemptRecord, redeliveryTargets, targetsOfEvent } from './outbox-checks.js';
import { luaScript } from './lua-scripts.js';
import type { RedisClient } from './redis-connection.js';
import { NO_REPLICA_ACK, ReplicaAcknowledgement, type WriteAcknowledgement } from './replica-ack.js';

/** The outbox's scripts of lua/, as ioredis exposes them after defineCommand. */
interface ScriptedRedis {
  hppClaimDeliveries(dueKey: string, ...args: (string | number)[]): Promise<(string | null)[]>;
  hppCompleteDelivery(...keysAndArgs: string[]): Promise<number>;
  hppFailDelivery(...keysAndArgs: string[]): Promise<number>;
  hppRedeliverEvent(eventKey: string, ...args: (string | number)[]): Promise<number>;
  hppGetEvent(eventKey: string, prefix: string, eventId: string): Promise<(string | null)[] | null>;
  hppListEvents(setKey: string, ...args: (string | number)[]): Promise<(string | null)[]>;
}

export interface RedisOutboxOptions {
  /** The store's key prefix, hash-tagged on a Cluster (redis-key-space.ts). */
  prefix: string;
  /** Checked target names. */
  targets: readonly string[];
  /** The targets audit events are queued for (the channels that archive them); default all. */
  auditTargets?: readonly string[];
  /** The targets of each payment event (a channel's wants); default all. */
  eventTargets?: EventTargets;
  /** Stamps queuedAt and deliveredAt, and makes a queue due after a write or a settled claim. */
  clock: () => Date;
  /** The store's WAIT for replicas, shared because it watches the same connection; default none. */
  durable?: WriteAcknowledgement;
}

// Entries one list script call may examine before handing back, as for payments.
const LIST_SCAN_BUDGET = 1000;

/**
 * The outbox half of RedisPaymentStore (see outbox.ts for why it is not a job-queue library). Events
 * enter it through the store's create and commit scripts (lua/include/record-events.lua), whose
 * outbox arguments `recordArgs` builds; everything else is one script of lua/ per call, each one
 * atomic state change. Round trips below count one per script call, as in redis-store.ts.
 *
 * Layout under the prefix:
 * - `evt:{eventId}` HASH: `json` the event, `pid` its payment id, `targets` the targets it has
 *   deliveries for, comma-joined
 * - `events` ZSET of event ids, and `evp:{paymentId}` ZSET of one payment's event ids, scored by
 *   occurredAt ms, for listing; `evaudit` ZSET of the audit events' ids (no payment's, never in
 *   `events`), scored the same way, for listing them apart; trimmed oldest first to the audit log's
 *   bound by append-audit.lua (only the index: a trimmed event keeps its `evt:`, `dlv:` and queue entry)
 * - `dlv:{eventId}:{target}` HASH: `state`, `attempts` (JSON array), `tries` (its length), `next`
 *   (nextAttemptAt ISO or ''), `queued` (queuedAt ISO), `delivered` (deliveredAt ISO or '')
 * - `obq:{target}:{paymentId}` LIST of event ids, oldest first: the head is the one being delivered
 * - `obdue` ZSET of queue members `{target}|{paymentId}`, scored by when the head is due (ms). A
 *   claim pushes the score to the end of its lease, so the score is also the lease.
 * - `lease:{member}` HASH: `token` of the current claim, `until` its end (ms)
 * - `obpending` SET of `{eventId}|{target}` for every pending delivery
 * - `obretry:{target}` ZSET of the target's queue members whose head waits for a retry after a
 *   failed try, scored by when it failed (ms): what a success brings forward (complete-delivery.lua)
 *
 * Invariants: a delivery is pending exactly when its event id is in its queue; a queue with entries
 * has a member in `obdue`. Target names never hold `,` or `|` (outbox-checks.ts), event and
 * payment ids never hold `:`, so every key and member above reads back one way.
 *
 * Keys are built from the prefix inside the scripts, so, like the payment scripts, these expect one
 * Redis node or a prefix with a hash tag. LPOS (redeliver-event.lua) needs Redis 6.0.6 or later.
 */
export class RedisOutbox implements Outbox {
  private readonly redis: RedisClient;
  private readonly scripts: ScriptedRedis;
  private readonly prefix: string;
  readonly targets: readonly string[];
  readonly auditTargets: readonly string[];
  readonly eventTargets: EventTargets | undefined;
  private readonly clock: () => Date;
  /** Settle and redeliver writes go through it: the worker moves on, the API answers, only once replicas hold them. */
  private readonly durable: WriteAcknowledgement;

  constructor(redis: RedisClient, options: RedisOutboxOptions) {
    this.redis = redis;
    this.durable = options.durable ?? new ReplicaAcknowledgement(redis, NO_REPLICA_ACK);
    this.prefix = options.prefix;
    this.targets = options.targets;
    this.auditTargets = options.auditTargets ?? options.targets;
    this.eventTargets = options.eventTargets;
    this.clock = options.clock;
    redis.defineCommand('hppClaimDeliveries', { lua: luaScript('claim-deliveries'), numberOfKeys: 1 });
    redis.defineCommand('hppCompleteDelivery', { lua: luaScript('complete-delivery'), numberOfKeys: 6 });
    redis.defineCommand('hppFailDelivery', { lua: luaScript('fail-delivery'), numberOfKeys: 6 });
    redis.defineCommand('hppRedeliverEvent', { lua: luaScript('redeliver-event'), numberOfKeys: 1 });
    redis.defineCommand('hppGetEvent', { lua: luaScript('get-event'), numberOfKeys: 1, readOnly: true });
    redis.defineCommand('hppListEvents', { lua: luaScript('list-events'), numberOfKeys: 1, readOnly: true });
    this.scripts = redis as unknown as ScriptedRedis;
  }

  /**
   * The ARGV tail the create and commit scripts hand to record_events: the event count, each
   * event's occurredAt ms and json, each event's targets (targetsOfEvent, given the payment as the
   * write leaves it), and now (ms and ISO).
   */
  recordArgs(events: readonly PaymentEvent[], payment?: Payment): (string | number)[] {
    const now = this.clock();
    return [
      events.length,
      ...events.flatMap((e) => [Date.parse(e.occurredAt), JSON.stringify(e)]),
      // One list per event (record_events splits them on `;`).
      events.map((e) => targetsOfEvent(e, payment, this).join(',')).join(';'),
      now.getTime(),
      now.toISOString(),
    ];
  }

  /** One round trip (one script), whatever the limit. */
  async claim(now: Date, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    assertClaimArguments(limit, leaseMs);
    const reply = await this.scripts.hppClaimDeliveries(
      this.key('obdue'),
      this.prefix,
      now.getTime(),
      limit,
      leaseMs,
      randomBytes(12).toString('base64url'),
    );
    const claims: ClaimedDelivery[] = [];
    for (let i = 0; i + 4 < reply.length; i += 5) {
      claims.push({
        target: required(reply[i]),
        event: JSON.parse(required(reply[i + 1])) as PaymentEvent,
        attemptNumber: Number(required(reply[i + 2])),
        queuedAt: required(reply[i + 3]),
        leaseToken: required(reply[i + 4]),
      });
    }
    return claims;
  }

  /** One round trip (one script), the bring-forward included. */
  async complete(claim: ClaimedDelivery, attempt: DeliveryAttemptRecord, options: CompleteOptions = {}): Promise<boolean> {
    const now = this.clock();
    const written = await this.durable.confirmed(this.scripts.hppCompleteDelivery(
      ...this.settleKeys(claim),
      ...this.settleArgs(claim, attempt, now),
      now.toISOString(),
      this.prefix,
      String(options.catchUp ?? 0),
    ));
    return written === 1;
  }

  /** One round trip (one script). */
  async fail(claim: ClaimedDelivery, attempt: DeliveryAttemptRecord, retryAt: Date | null): Promise<boolean> {
    const written = await this.durable.confirmed(this.scripts.hppFailDelivery(
      ...this.settleKeys(claim),
      ...this.settleArgs(claim, attempt, this.clock()),
      retryAt ? String(retryAt.getTime()) : '',
      retryAt ? retryAt.toISOString() : '',
    ));
    return written === 1;
  }

  /** One round trip (a read-only script). */
  async getEvent(eventId: string): Promise<EventWithDeliveries | null> {
    const reply = await this.scripts.hppGetEvent(this.key(`evt:${eventId}`), this.prefix, eventId);
    if (reply === null) return null;
    const event = JSON.parse(required(reply[0])) as PaymentEvent;
    return { event, deliveries: readDeliveries(eventId, reply, 1).deliveries };
  }

  /**
   * One round trip per page in practice (a read-only script); a filter that skips more than
   * LIST_SCAN_BUDGET events costs one more round trip per further budget's worth.
   */
  async listEventsWithDeliveries(query: EventQuery): Promise<{ items: EventWithDeliveries[]; nextCursor: string | null }> {
    assertListLimit(query.limit);
    assertEventQuery(query);
    const setKey = this.key(query.audit ? 'evaudit' : query.paymentId === undefined ? 'events' : `evp:${query.paymentId}`);
    let position: ListPosition | null = query.cursor === undefined ? null : decodeCursor(query.cursor);
    // One more than the page, to know whether a next page exists.
    const found: { position: ListPosition; item: EventWithDeliveries }[] = [];
    while (found.length <= query.limit) {
      const reply = await this.scripts.hppListEvents(
        setKey,
        this.prefix,
        query.type ?? '',
        query.deliveryState ?? '',
        position?.score ?? '+inf',
        position?.id ?? '',
        query.limit + 1 - found.length,
        LIST_SCAN_BUDGET,
      );
      const [state, lastScore, lastId] = reply;
      let i = 3;
      while (i + 3 < reply.length) {
        const score = required(reply[i]);
        const id = required(reply[i + 1]);
        const event = JSON.parse(required(reply[i + 2])) as PaymentEvent;
        const read = readDeliveries(id, reply, i + 3);
        found.push({ position: { score, id }, item: { event, deliveries: read.deliveries } });
        i = read.next;
      }
      if (state === 'done' || !lastScore || !lastId) break;
      position = { score: lastScore, id: lastId };
    }
    const page = found.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((entry) => entry.item),
      nextCursor: found.length > page.length && last ? encodeCursor(last.position) : null,
    };
  }

  /** One round trip (one script). */
  async redeliver(eventId: string, now: Date, targets?: readonly string[]): Promise<boolean> {
    const chosen = redeliveryTargets(targets, this.targets);
    const written = await this.durable.confirmed(this.scripts.hppRedeliverEvent(
      this.key(`evt:${eventId}`),
      this.prefix,
      eventId,
      now.getTime(),
      now.toISOString(),
      chosen.join(','),
    ));
    return written === 1;
  }

  /** One round trip (SCARD on the set of pending deliveries). */
  async pendingCount(): Promise<number> {
    return this.redis.scard(this.key('obpending'));
  }

  private key(suffix: string): string {
    return `${this.prefix}${suffix}`;
  }

  /** KEYS shared by the complete and fail scripts. */
  private settleKeys(claim: ClaimedDelivery): string[] {
    const { target } = claim;
    const { id, paymentId } = claim.event;
    return [
      this.key(`lease:${target}|${paymentId}`),
      this.key(`obq:${target}:${paymentId}`),
      this.key('obdue'),
      this.key(`dlv:${id}:${target}`),
      this.key('obpending'),
      this.key(`obretry:${target}`),
    ];
  }

  /** ARGV 1–6 shared by the complete and fail scripts. */
  private settleArgs(claim: ClaimedDelivery, attempt: DeliveryAttemptRecord, now: Date): string[] {
    return [
      claim.leaseToken,
      `${claim.target}|${claim.event.paymentId}`,
      claim.event.id,
      claim.target,
      JSON.stringify(attemptRecord(attempt)),
      String(now.getTime()),
    ];
  }
}

/** Reads deliveries as the scripts' append_deliveries writes them, starting at `start`. */
function readDeliveries(eventId: string, reply: (string | null)[], start: number): { deliveries: Delivery[]; next: number } {
  const count = Number(required(reply[start]));
  const deliveries: Delivery[] = [];
  let i = start + 1;
  for (let n = 0; n < count; n += 1, i += 6) {
    const [target, state, attempts, next, queued, delivered] = reply.slice(i, i + 6);
    deliveries.push({
      eventId,
      target: required(target),
      state: required(state) as DeliveryState,
      attempts: JSON.parse(attempts ?? '[]') as DeliveryAttemptRecord[],
      nextAttemptAt: next ? next : null,
      queuedAt: required(queued),
      deliveredAt: delivered ? delivered : null,
    });
  }
  return { deliveries, next: i };
}

function required(value: string | null | undefined): string {
  if (value === undefined || value === null) throw new Error('Redis outbox script reply is shorter than expected');
  return value;
}
