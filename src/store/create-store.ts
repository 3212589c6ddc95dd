import { Redis } from 'ioredis';
import type { GatewayStore } from './gateway-store.js';
import { MemoryPaymentStore } from './memory-store.js';
import { RedisPaymentStore } from './redis-store.js';

export interface CreatePaymentStoreOptions {
  /** Redis when given; otherwise payments live in this process only. */
  redisUrl?: string;
  /** Key prefix on Redis; defaults to `hpp:`. */
  prefix?: string;
  /** Outbox delivery targets (`webhook:0`, `email`): every event is queued for each; default none. */
  outboxTargets?: string[];
}

/** Picks the store from configuration: Redis for shared state across instances, memory for one process. */
export function createPaymentStore(options: CreatePaymentStoreOptions): GatewayStore {
  const outboxTargets = options.outboxTargets ?? [];
  if (!options.redisUrl) return new MemoryPaymentStore({ outboxTargets });
  // A bounded retry count makes a dead Redis fail the request instead of queueing it forever.
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 3 });
  return new RedisPaymentStore(redis, { prefix: options.prefix ?? 'hpp:', ownsConnection: true, outboxTargets });
}
