import { createLogger, type Logger } from '../logger.js';
import type { GatewayStore } from './gateway-store.js';
import { MemoryPaymentStore } from './memory-store.js';
import { openRedis, type RedisTarget } from './redis-connection.js';
import { RedisPaymentStore } from './redis-store.js';

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
}

/** Picks the store from configuration: Redis for shared state across instances, memory for one process. */
export function createPaymentStore(options: CreatePaymentStoreOptions): GatewayStore {
  const outboxTargets = options.outboxTargets ?? [];
  const target = options.redis ?? options.redisUrl;
  if (!target) return new MemoryPaymentStore({ outboxTargets });
  const redis = openRedis(target, { name: 'payments', logger: options.logger ?? createLogger('warn') });
  return new RedisPaymentStore(redis, { prefix: options.prefix ?? 'hpp:', ownsConnection: true, outboxTargets });
}
