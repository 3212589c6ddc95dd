import { Cluster } from 'ioredis';
import { createLogger, type Logger } from '../logger.js';
import type { GatewayStore } from './gateway-store.js';
import type { EventTargets } from './outbox.js';
import { MemoryPaymentStore } from './memory-store.js';
import { checkPersistence } from './persistence-check.js';
import { openRedis, type RedisClient, type RedisTarget } from './redis-connection.js';
import { RedisPaymentStore } from './redis-store.js';
import type { ReplicaAckPolicy } from './replica-ack.js';
import { checkReplication } from './replication-check.js';
import type { UnconfirmedCause } from './unconfirmed-writes.js';

export interface CreatePaymentStoreOptions {
  /** Redis when given; otherwise payments live in this process only. */
  redisUrl?: string;
  /** Redis through Sentinel (or a URL), instead of redisUrl. */
  redis?: RedisTarget;
  /** Key prefix on Redis; defaults to `hpp:`. */
  prefix?: string;
  /** Outbox delivery targets (`webhook:0`, `email`): every event is queued for each; default none. */
  outboxTargets?: string[];
  /** The targets audit events are queued for (the channels that archive them); default all. */
  auditTargets?: string[];
  /** Which targets each payment event is queued for (a channel's wants); default all. */
  eventTargets?: EventTargets;
  /** Where the Redis connection reports being lost and restored, and the replicas not confirming writes; default a `warn` logger on stdout. */
  logger?: Logger;
  /** Replicas that must confirm each acknowledged write (REDIS_MIN_REPLICAS_ACK); default none. */
  replicaAck?: ReplicaAckPolicy;
  /** Called for each write refused because too few replicas confirmed it (a metric). */
  onUnconfirmedWrite?: (cause: UnconfirmedCause) => void;
}

/** Picks the store from configuration: Redis for shared state across instances, memory for one process. */
export function createPaymentStore(options: CreatePaymentStoreOptions): GatewayStore {
  const outboxTargets = options.outboxTargets ?? [];
  const target = options.redis ?? options.redisUrl;
  // Which targets each event is queued for, the same for both stores.
  const targetChoice = { ...(options.auditTargets ? { auditTargets: options.auditTargets } : {}), ...(options.eventTargets ? { eventTargets: options.eventTargets } : {}) };
  if (!target) return new MemoryPaymentStore({ outboxTargets, ...targetChoice });
  const logger = options.logger ?? createLogger('warn');
  const redis = openRedis(target, { name: 'payments', logger });
  const replicaAck = options.replicaAck ?? { replicas: 0, timeoutMs: 0 };
  // In the background: the store is usable at once, and a warning needs no answer before it.
  void checkPrimaries(redis, replicaAck.replicas, logger);
  return new RedisPaymentStore(redis, { prefix: options.prefix ?? 'hpp:', ownsConnection: true, outboxTargets, ...targetChoice, replicaAck, logger, ...(options.onUnconfirmedWrite ? { onUnconfirmedWrite: options.onUnconfirmedWrite } : {}) });
}

/**
 * The start-up checks of what a primary's crash can lose, on the one primary or on each primary of a
 * Cluster (known once the client has the slot map), each line naming its node.
 */
async function checkPrimaries(redis: RedisClient, minReplicas: number, logger: Logger): Promise<void> {
  const check = (probe: Parameters<typeof checkReplication>[0], log: Logger) =>
    minReplicas > 0 ? checkReplication(probe, minReplicas, log) : checkPersistence(probe, log);
  if (!(redis instanceof Cluster)) return check(redis, logger);
  try {
    if (redis.status !== 'ready') await new Promise<void>((resolve, reject) => { redis.once('ready', resolve); redis.once('end', reject); });
  } catch {
    return;
  }
  await Promise.all(redis.nodes('master').map((node) => check(node, logger.child({ node: `${node.options.host}:${node.options.port}` }))));
}
