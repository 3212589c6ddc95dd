import { Redis } from 'ioredis';
import { MemoryPaymentStore } from './memory-store.js';
import type { PaymentStore } from './payment-store.js';
import { RedisPaymentStore } from './redis-store.js';

export interface CreatePaymentStoreOptions {
  /** Redis when given; otherwise payments live in this process only. */
  redisUrl?: string;
  /** Key prefix on Redis; defaults to `hpp:`. */
  prefix?: string;
}

/** Picks the store from configuration: Redis for shared state across instances, memory for one process. */
export function createPaymentStore(options: CreatePaymentStoreOptions): PaymentStore {
  if (!options.redisUrl) return new MemoryPaymentStore();
  // A bounded retry count makes a dead Redis fail the request instead of queueing it forever.
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 3 });
  return new RedisPaymentStore(redis, { prefix: options.prefix ?? 'hpp:', ownsConnection: true });
}
