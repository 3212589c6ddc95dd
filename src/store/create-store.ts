import { createLogger, type Logger } from '../logger.js';
import type { GatewayStore } from './gateway-store.js';
import { MemoryPaymentStore } from './memory-store.js';
import { openRedis, type RedisTarget } from './redis-connection.js';
import { RedisPaymentStore } from './redis-store.js';
import type { ReplicaAckPolicy } from './replica-ack.js';
import { checkReplication } from './replication-check.js';

export interface CreatePaymentStoreOptions {
  /** Redis when given; otherwise payments live in this process only. */
  redisUrl?: string;
  /** Redis through Sentinel (or a URL), instead of redisUrl. */
  redis?: RedisTarget;
  /** Key prefix on Redis; defaults to `hpp:`. */
  prefix?: string;
  /** Outbox delivery targets (`webhook:0`, `email`): every event is queued for each; default none. */
  outboxTargets?: string[];
  /** Where the Redis connection reports being lost and restored; default a `warn` logger on stdout. */
  logger?: Logger;
  /** Replicas that must confirm each acknowledged write (REDIS_MIN_REPLICAS_ACK); default none. */
  replicaAck?: ReplicaAckPolicy;
}

/** Picks the store from configuration: Redis for shared state across instances, memory for one process. */
export function createPaymentStore(options: CreatePaymentStoreOptions): GatewayStore {
  const outboxTargets = options.outboxTargets ?? [];
  const target = options.redis ?? options.redisUrl;
  if (!target) return new MemoryPaymentStore({ outboxTargets });
  const logger = options.logger ?? createLogger('warn');
  const redis = openRedis(target, { name: 'payments', logger });
  const replicaAck = options.replicaAck ?? { replicas: 0, timeoutMs: 0 };
  // In the background: the store is usable at once, and a warning needs no answer before it.
  void checkReplication(redis, replicaAck.replicas, logger);
  return new RedisPaymentStore(redis, { prefix: options.prefix ?? 'hpp:', ownsConnection: true, outboxTargets, replicaAck });
}
