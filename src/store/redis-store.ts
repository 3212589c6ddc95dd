import { REFUSED_MESSAGES_KEPT, type RefusedBankMessage } from '../core/refused-bank-message.js';
import type { Cluster } from 'ioredis';
import type { PaymentEvent } from '../core/events.js';
import { awaitsBankAnswer, expiryDueAt, type Payment } from '../core/payment.js';
import type { Logger } from '../logger.js';
import { assertListLimit, decodeCursor, encodeCursor, type ListPosition } from './list-cursor.js';
import type { GatewayStore } from './gateway-store.js';
import type { EventTargets, Outbox } from './outbox.js';
import { assertClaimArguments, auditTargetsOf, checkOutboxTargets } from './outbox-checks.js';
import { assertReconcileArguments } from './reconcile-backoff.js';
import type {
  CommitInput,
  CreateOutcome,
  CreatePaymentInput,
  ExpiryClaim,
  IdempotencyRecord,
  ListQuery,
  PaymentPage,
  ReconcileBackfillStep,
  ReconcileBackoff,
  ReconcileClaim,
} from './payment-store.js';
import { RedisOutbox } from './redis-outbox.js';
import { RedisAuditStore } from './redis-audit-store.js';
import { luaScript } from './lua-scripts.js';
import type { RedisClient } from './redis-connection.js';
import { storeKeyPrefix } from './redis-key-space.js';
import { ClusterReplicaAcknowledgement } from './cluster-replica-ack.js';
import { NO_REPLICA_ACK, ReplicaAcknowledgement, type ReplicaAckPolicy, type WriteAcknowledgement } from './replica-ack.js';
import { UnconfirmedWrites, type UnconfirmedCause } from './unconfirmed-writes.js';

export interface RedisPaymentStoreOptions {
  /** Put in front of every key, e.g. `hpp:`; on a Cluster with a hash tag added (redis-key-space.ts). */
  prefix: string;
  /** Quit the connection on close(): true when the store opened it. */
  ownsConnection?: boolean;
  /** Where every event is delivered (`webhook:0`, `email`); default none (events are still kept for the API). */
  outboxTargets?: string[];
  /**
   * Where audit events are delivered: the targets whose channel archives them (the webhooks). Default
   * all outboxTargets; a target left out owes nothing for them (an email channel sends none).
   */
  auditTargets?: string[];
  /**
   * Which targets each payment event is queued for, given the payment as the write leaves it: the
   * channels that have something to send for it (their `wants`). Default all: a delivery a channel
   * has nothing for is then settled without a try, at the cost of a claim and a settlement.
   */
  eventTargets?: EventTargets;
  /**
   * Stamps the outbox's queuedAt and deliveredAt, and makes a queue due after a write or a settled
   * claim; defaults to the system clock. Expiring keys always follow Redis's own clock.
   */
  clock?: () => Date;
  /** Replicas that must hold each acknowledged write (REDIS_MIN_REPLICAS_ACK); default none. */
  replicaAck?: ReplicaAckPolicy;
  /** Where writes the replicas stop (and start again) confirming are reported; default nowhere. */
  logger?: Logger;
  /** Called for each write refused for want of replicas (store/unconfirmed-writes.ts). */
  onUnconfirmedWrite?: (cause: UnconfirmedCause) => void;
}

/** The store's scripts of lua/, as ioredis exposes them after defineCommand. */
interface ScriptedRedis {
  hppCreatePayment(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<[string, string?]>;
  hppCommitPayment(...keysAndArgs: (string | number)[]): Promise<number>;
  hppPaymentByIndex(indexKey: string, prefix: string): Promise<string | null>;
  hppListPayments(setKey: string, ...args: (string | number)[]): Promise<string[]>;
  hppClaimExpiries(expKey: string, ...args: (string | number)[]): Promise<string[]>;
  hppClaimReconciliations(recKey: string, countKey: string, ...args: (string | number)[]): Promise<string[]>;
  hppBackfillReconciliations(recKey: string, prefix: string, ...rows: (string | number)[]): Promise<number>;
  hppRememberOnce(onceKey: string, value: string, ttlSeconds: string): Promise<string>;
  hppNextSequence(sequenceKey: string, ttlSeconds: string): Promise<number>;
}

// Entries one list script call may examine before handing back, so a sparse filter never blocks Redis long.
const LIST_SCAN_BUDGET = 1000;

/**
 * PaymentStore on Redis, for several gateway instances sharing one state.
 *
 * Layout under the prefix:
 * - `p:{id}` HASH: `v` version, `s` status, `json` the payment
 * - `ev:{id}` LIST of event json, oldest first
 * - `att:{ref}` → payment id; `rf:{refund id}` → payment id (the refunds live in the payment's json)
 * - `ref:{reference}:open` / `ref:{reference}:ok` → id of the open (or authorized) / succeeded payment for a reference
 * - `created` and `byref:{reference}` ZSETs scored by createdAt ms, for listing
 * - `exp` ZSET scored by expiresAt ms, holding open payments, and authorized ones scored by captureBefore
 * - `rec` ZSET of payments awaiting the bank's word (a pending attempt or refund), scored by when the
 *   next ask is due less RECONCILE_AFTER; `recn` HASH id → asks claimed (claim-reconciliations.lua)
 * - `idem:{key}` idempotency record json, with a TTL
 * - `msg:{id}` remembered bank message ids, expiring at the message's own expiry; written by the commit
 *   script that applies the message (or by rememberMessage when it changes nothing)
 * - `brf:{paymentId}` LIST of the payment's verified bank messages refused (JSON), newest first,
 *   trimmed to REFUSED_MESSAGES_KEPT by the same transaction that pushes one
 * - the outbox: `evt:`, `events`, `evp:`, `dlv:`, `obq:`, `obdue`, `lease:`, `obpending`
 *   (described in redis-outbox.ts), written by the same create and commit scripts
 *
 * Every write that must be atomic is one Lua script of lua/ (one file per operation, its KEYS and
 * ARGV in its header). Keys that depend on stored data (the holder of a reference slot, the
 * payment an attempt points to) can only be built inside a script, from the prefix passed in ARGV:
 * the store therefore expects one Redis node, or on a Cluster a prefix with a hash tag (`{hpp}:`,
 * added by redis-key-space.ts) so every key lands in one slot. A script call is one round trip: ioredis sends the source by EVAL the first time
 * on a connection (a reconnection after a Redis restart included) and EVALSHA after; only a script
 * cache flushed under a live connection costs one more (NOSCRIPT, then EVAL).
 *
 * With a replica policy (REDIS_MIN_REPLICAS_ACK) every write whose success the gateway passes on
 * (create, commit, remembered messages and values, sequences; the outbox's settle and redeliver) costs
 * one more round trip, WAIT, and fails as a store failure when too few replicas confirm it in time.
 * On a Cluster the WAIT goes to the primary of the store's slot (cluster-replica-ack.ts).
 * Claims (expiry, deliveries) are leases, not acknowledgements, and are not waited for.
 */
export class RedisPaymentStore implements GatewayStore {
  readonly kind = 'redis' as const;
  private readonly redis: RedisClient;
  private readonly scripts: ScriptedRedis;
  private readonly prefix: string;
  private readonly ownsConnection: boolean;
  /**
   * Where the create and commit scripts queue each event for delivery; the worker and the events API
   * read and settle it (one script per call, see redis-outbox.ts).
   */
  readonly outbox: Outbox;
  /** The same outbox, with the script arguments the create and commit scripts take. */
  private readonly queue: RedisOutbox;
  /** Who did what; each entry's audit.recorded event is queued by the script that appends it. */
  readonly auditLog: RedisAuditStore;
  /** Every write the gateway acknowledges goes through it (WAIT for the replicas, when asked for). */
  private readonly durable: WriteAcknowledgement;

  constructor(redis: RedisClient, options: RedisPaymentStoreOptions) {
    this.redis = redis;
    this.prefix = storeKeyPrefix(options.prefix, redis);
    this.ownsConnection = options.ownsConnection ?? false;
    const replicaAck = options.replicaAck ?? NO_REPLICA_ACK;
    // On a Cluster the WAIT must reach the primary of the store's slot, not any node (cluster-replica-ack.ts).
    const unconfirmed = new UnconfirmedWrites({ minReplicas: replicaAck.replicas, ...(options.logger ? { logger: options.logger } : {}), ...(options.onUnconfirmedWrite ? { counted: options.onUnconfirmedWrite } : {}) });
    this.durable = redis.isCluster
      ? new ClusterReplicaAcknowledgement(redis as Cluster, this.key('p:'), replicaAck, unconfirmed)
      : new ReplicaAcknowledgement(redis, replicaAck, unconfirmed);
    this.queue = new RedisOutbox(redis, {
      prefix: this.prefix,
      targets: checkOutboxTargets(options.outboxTargets ?? []),
      ...(options.auditTargets ? { auditTargets: auditTargetsOf(options.auditTargets, options.outboxTargets ?? []) } : {}),
      ...(options.eventTargets ? { eventTargets: options.eventTargets } : {}),
      clock: options.clock ?? (() => new Date()),
      durable: this.durable,
    });
    this.outbox = this.queue;
    this.auditLog = new RedisAuditStore(redis, this.prefix, undefined, this.queue);
    // Defining again on a shared connection is harmless: same name, same source.
    redis.defineCommand('hppCreatePayment', { lua: luaScript('create-payment') });
    redis.defineCommand('hppCommitPayment', { lua: luaScript('commit-payment'), numberOfKeys: 7 });
    redis.defineCommand('hppPaymentByIndex', { lua: luaScript('payment-by-index'), numberOfKeys: 1, readOnly: true });
    redis.defineCommand('hppListPayments', { lua: luaScript('list-payments'), numberOfKeys: 1, readOnly: true });
    redis.defineCommand('hppClaimExpiries', { lua: luaScript('claim-expiries'), numberOfKeys: 1 });
    redis.defineCommand('hppClaimReconciliations', { lua: luaScript('claim-reconciliations'), numberOfKeys: 2 });
    redis.defineCommand('hppBackfillReconciliations', { lua: luaScript('backfill-reconciliations'), numberOfKeys: 1 });
    redis.defineCommand('hppRememberOnce', { lua: luaScript('remember-once'), numberOfKeys: 1 });
    redis.defineCommand('hppNextSequence', { lua: luaScript('next-sequence'), numberOfKeys: 1 });
    this.scripts = redis as unknown as ScriptedRedis;
  }

  /**
   * One round trip (one script, which also queues the events for every outbox target, and appends
   * the create's audit entry with its event when one is given).
   */
  async createPayment(input: CreatePaymentInput): Promise<CreateOutcome> {
    const { payment, events, idempotency } = input;
    const keys = [...this.paymentKeys(payment), ...(idempotency ? [this.key(`idem:${idempotency.key}`)] : [])];
    const record: IdempotencyRecord | null = idempotency ? { fingerprint: idempotency.fingerprint, payment } : null;
    const args = [
      this.prefix,
      payment.id,
      JSON.stringify(payment),
      payment.version,
      payment.status,
      Date.parse(payment.createdAt),
      expiryScore(payment),
      idempotency?.fingerprint ?? '',
      idempotency?.ttlSeconds ?? 0,
      record ? JSON.stringify(record) : '',
      reconcileFrom(payment),
      ...this.queue.recordArgs(events, payment),
      ...this.auditLog.appendArgs(input.audit),
      ...indexKeys(payment),
    ];
    const [kind, body] = await this.durable.confirmed(this.scripts.hppCreatePayment(keys.length, ...keys, ...args));
    switch (kind) {
      case 'created':
        return { kind: 'created', payment: structuredClone(payment) };
      case 'replayed':
        return { kind: 'replayed', payment: (JSON.parse(required(body)) as IdempotencyRecord).payment };
      case 'idempotency_mismatch':
        return { kind: 'idempotency_mismatch' };
      case 'reference_conflict':
        return { kind: 'reference_conflict', existing: JSON.parse(required(body)) as Payment };
      default:
        throw new Error(`unexpected create result: ${String(kind)}`);
    }
  }

  /** One round trip (HGET). */
  async getPayment(id: string): Promise<Payment | null> {
    const json = await this.redis.hget(this.key(`p:${id}`), 'json');
    return json === null ? null : (JSON.parse(json) as Payment);
  }

  /** One round trip (a read-only script: GET the index, HGET the payment). */
  async getPaymentByAttempt(attemptRef: string): Promise<Payment | null> {
    const json = await this.scripts.hppPaymentByIndex(this.key(`att:${attemptRef}`), this.prefix);
    return json === null ? null : (JSON.parse(json) as Payment);
  }

  /** One round trip (the same read-only script, on the refund index). */
  async getPaymentByRefund(refundId: string): Promise<Payment | null> {
    const json = await this.scripts.hppPaymentByIndex(this.key(`rf:${refundId}`), this.prefix);
    return json === null ? null : (JSON.parse(json) as Payment);
  }

  /**
   * One round trip (one script, which also queues the events for every outbox target, and appends
   * the change's audit entry with its event when one is given).
   */
  async commit(input: CommitInput): Promise<boolean> {
    const { next, events } = input;
    const written = await this.durable.confirmed(this.scripts.hppCommitPayment(
      ...this.paymentKeys(next),
      this.prefix,
      next.id,
      input.expectedVersion,
      next.version,
      next.status,
      JSON.stringify(next),
      expiryScore(next),
      reconcileFrom(next),
      ...this.queue.recordArgs(events, next),
      input.message?.id ?? '',
      // PXAT must be positive, as in rememberMessage.
      input.message ? Math.max(1, input.message.expiresAt.getTime()) : '',
      ...this.auditLog.appendArgs(input.audit),
      ...indexKeys(next),
    ));
    return written === 1;
  }

  /**
   * One round trip per page in practice (a read-only script). A status filter that skips more than
   * LIST_SCAN_BUDGET entries costs one more round trip per further budget's worth.
   */
  async listPayments(query: ListQuery): Promise<PaymentPage> {
    assertListLimit(query.limit);
    const setKey = this.key(query.reference === undefined ? 'created' : `byref:${query.reference}`);
    let position = query.cursor === undefined ? null : decodeCursor(query.cursor);
    const filter = query.filter;
    // The date range is the sorted set's score range; the rest of the filter is read in the script.
    const rest = filter ? { search: filter.search, connector: filter.connector, amountMin: filter.amountMin, amountMax: filter.amountMax } : {};
    const restJson = Object.values(rest).some((v) => v !== undefined) ? JSON.stringify(rest) : '';
    const topScore = filter?.createdToMs === undefined ? '+inf' : String(filter.createdToMs);
    const lowScore = filter?.createdFromMs === undefined ? '-inf' : String(filter.createdFromMs);
    // One more than the page, to know whether a next page exists.
    const found: { score: string; id: string; json: string }[] = [];
    while (found.length <= query.limit) {
      const reply = await this.scripts.hppListPayments(
        setKey,
        this.prefix,
        query.status ?? '',
        position?.score ?? topScore,
        position?.id ?? '',
        query.limit + 1 - found.length,
        LIST_SCAN_BUDGET,
        restJson,
        lowScore,
      );
      const [state, lastScore, lastId] = reply;
      for (let i = 3; i + 2 < reply.length; i += 3) {
        found.push({ score: required(reply[i]), id: required(reply[i + 1]), json: required(reply[i + 2]) });
      }
      if (state === 'done' || !lastScore || !lastId) break;
      position = { score: lastScore, id: lastId };
    }
    const page = found.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((entry) => JSON.parse(entry.json) as Payment),
      nextCursor: found.length > page.length && last ? encodeCursor({ score: last.score, id: last.id }) : null,
    };
  }

  /** One round trip (LRANGE). */
  async listEvents(paymentId: string): Promise<PaymentEvent[]> {
    const entries = await this.redis.lrange(this.key(`ev:${paymentId}`), 0, -1);
    return entries.map((json) => JSON.parse(json) as PaymentEvent);
  }

  /** One round trip (one script), whatever the limit: the claimed payments come back with the claim. */
  async claimDueForExpiry(now: Date, limit: number, leaseMs: number): Promise<ExpiryClaim> {
    assertClaimArguments(limit, leaseMs);
    const [next, ...payments] = await this.scripts.hppClaimExpiries(this.key('exp'), this.prefix, now.getTime(), limit, leaseMs);
    return {
      payments: payments.map((json) => JSON.parse(json) as Payment),
      nextDueAt: next ? new Date(Number(next)) : null,
    };
  }

  /** One round trip (one script), whatever the limit: the claimed payments come back with the claim. */
  async claimForReconciliation(now: Date, limit: number, backoff: ReconcileBackoff): Promise<ReconcileClaim> {
    assertReconcileArguments(limit, backoff);
    const [next, ...rows] = await this.scripts.hppClaimReconciliations(this.key('rec'), this.key('recn'), this.prefix, now.getTime(), limit, backoff.firstAfterMs, backoff.maxDelayMs);
    const claimed: ReconcileClaim['claimed'] = [];
    for (let i = 0; i + 2 < rows.length; i += 3) {
      claimed.push({ earlierAsks: Number(rows[i]), nextAskAt: new Date(Number(rows[i + 1])), payment: JSON.parse(required(rows[i + 2])) as Payment });
    }
    return { claimed, nextDueAt: next ? new Date(Number(next)) : null };
  }

  /** One round trip (MULTI: the set and the ask count go together). */
  async forgetReconciliation(paymentId: string): Promise<void> {
    await this.redis.multi().zrem(this.key('rec'), paymentId).hdel(this.key('recn'), paymentId).exec();
  }

  /**
   * Three round trips per step: SCAN of about `count` payment keys, their json (one pipeline), and one
   * script that adds those still as read and still awaiting the bank (backfill-reconciliations.lua).
   */
  async backfillReconciliation(cursor: string, count: number): Promise<ReconcileBackfillStep> {
    const { next, keys } = await this.scanPayments(cursor, count);
    if (keys.length === 0) return { cursor: next, added: 0 };
    const replies = (await this.redis.pipeline(keys.map((key) => ['hget', key, 'json'])).exec()) ?? [];
    const rows: (string | number)[] = [];
    for (const [err, json] of replies) {
      // Another kind of key whose name happens to start like a payment's: not a payment.
      if (err || typeof json !== 'string') continue;
      const payment = JSON.parse(json) as Payment;
      if (awaitsBankAnswer(payment)) rows.push(payment.id, payment.version, reconcileFrom(payment));
    }
    const added = rows.length === 0 ? 0 : await this.scripts.hppBackfillReconciliations(this.key('rec'), this.prefix, ...rows);
    return { cursor: next, added: Number(added) };
  }

  /**
   * One SCAN step over the payment keys. On one Redis the cursor is Redis's own. A Cluster's SCAN
   * answers for one node only, and the store's keys sit on whichever primary holds its hash tag's
   * slot: each primary is scanned in turn (the others hold none of them), the cursor carrying
   * `<primary index>:<that primary's cursor>`, and "0" once the last one is done.
   */
  private async scanPayments(cursor: string, count: number): Promise<{ next: string; keys: string[] }> {
    const match = `${globEscaped(this.prefix)}p:*`;
    if (!this.redis.isCluster) {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', match, 'COUNT', count);
      return { next, keys };
    }
    const primaries = (this.redis as Cluster).nodes('master');
    const [nodeText, nodeCursor] = cursor === '0' ? ['0', '0'] : cursor.split(':');
    const index = Number(nodeText);
    const node = primaries[index];
    if (node === undefined || nodeCursor === undefined) return { next: '0', keys: [] };
    const [next, keys] = await node.scan(nodeCursor, 'MATCH', match, 'COUNT', count);
    if (next !== '0') return { next: `${index}:${next}`, keys };
    return { next: index + 1 < primaries.length ? `${index + 1}:0` : '0', keys };
  }

  /** One round trip (SET NX PXAT): the first writer wins, so two instances cannot both accept a message. */
  async rememberMessage(messageId: string, expiresAt: Date): Promise<boolean> {
    // PXAT must be positive; a time already past still counts the message once and keeps nothing.
    const reply = await this.durable.confirmed(this.redis.set(this.key(`msg:${messageId}`), '1', 'PXAT', Math.max(1, expiresAt.getTime()), 'NX'));
    return reply === 'OK';
  }

  /** One round trip (EXISTS). */
  async knowsMessage(messageId: string): Promise<boolean> {
    return (await this.redis.exists(this.key(`msg:${messageId}`))) === 1;
  }

  /** One round trip (MULTI: LPUSH and LTRIM of one key), so the list never holds more than its bound. */
  async recordRefusedMessage(paymentId: string, refusal: RefusedBankMessage): Promise<void> {
    const key = this.key(`brf:${paymentId}`);
    const replies = await this.redis.multi().lpush(key, JSON.stringify(refusal)).ltrim(key, 0, REFUSED_MESSAGES_KEPT - 1).exec();
    const failed = replies?.find(([err]) => err);
    if (!replies || failed) throw failed?.[0] ?? new Error('refused bank message not recorded');
  }

  /** One round trip (LRANGE). */
  async refusedMessages(paymentId: string): Promise<RefusedBankMessage[]> {
    const rows = await this.redis.lrange(this.key(`brf:${paymentId}`), 0, REFUSED_MESSAGES_KEPT - 1);
    return rows.map((row) => JSON.parse(row) as RefusedBankMessage);
  }

  /** One round trip (one script): the read and the conditional write must not be separable. */
  async rememberOnce(key: string, value: string, ttlSeconds: number): Promise<string> {
    return String(await this.durable.confirmed(this.scripts.hppRememberOnce(this.key(`once:${key}`), value, String(ttlSeconds))));
  }

  /** One round trip (SET XX KEEPTTL: one command, so nothing can come between the check and the write). */
  async replaceRemembered(key: string, value: string): Promise<boolean> {
    return (await this.durable.confirmed(this.redis.set(this.key(`once:${key}`), value, 'KEEPTTL', 'XX'))) === 'OK';
  }

  /** One round trip (one script): INCR and the expiry of a new counter must not be separable. */
  async nextSequence(scope: string, ttlSeconds: number): Promise<number> {
    const value = await this.durable.confirmed(this.scripts.hppNextSequence(this.key(`seq:${scope}`), String(ttlSeconds)));
    return Number(value);
  }

  /** PING: one round trip, failing as any command would while Redis cannot be reached. */
  async ping(): Promise<void> {
    await this.redis.ping();
  }

  /** One round trip (QUIT) when the store owns the connection, none otherwise. */
  async close(): Promise<void> {
    if (this.ownsConnection) await this.redis.quit();
  }

  private key(suffix: string): string {
    return `${this.prefix}${suffix}`;
  }

  /** KEYS 1–7 shared by the create and commit scripts. */
  private paymentKeys(payment: Payment): string[] {
    return [
      this.key(`p:${payment.id}`),
      this.key(`ev:${payment.id}`),
      this.key(`ref:${payment.reference}:open`),
      this.key(`ref:${payment.reference}:ok`),
      this.key('created'),
      this.key(`byref:${payment.reference}`),
      this.key('exp'),
    ];
  }
}

/** The `exp` score: when the sweeper should look at the payment (unused once nothing can lapse). */
function expiryScore(payment: Payment): number {
  return Date.parse(expiryDueAt(payment) ?? payment.expiresAt);
}

/** index_payment's reconcile_from: this change's ms while the payment awaits the bank's word, '' otherwise. */
function reconcileFrom(payment: Payment): string {
  return awaitsBankAnswer(payment) ? String(Date.parse(payment.updatedAt)) : '';
}

/** The prefix as a SCAN MATCH pattern that matches it literally. */
function globEscaped(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** The index keys (under the prefix) that point at the payment: one per attempt, one per refund. */
function indexKeys(payment: Payment): string[] {
  return [...payment.attempts.map((a) => `att:${a.ref}`), ...(payment.refunds ?? []).map((r) => `rf:${r.id}`)];
}

function required(value: string | undefined): string {
  if (value === undefined) throw new Error('Redis script reply is shorter than expected');
  return value;
}
