import { RedisStore } from 'connect-redis';
import { Redis } from 'ioredis';
import type session from 'express-session';

/** Buyer sessions in Redis (connect-redis 8.1 is the last line that takes an ioredis client on Node 20). */
export function connectRedisSessionStore(redisUrl: string, prefix: string): { store: session.Store; close(): Promise<void> } {
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  const store = new RedisStore({ client, prefix, ttl: 2 * 3600 });
  return {
    store,
    async close() {
      await client.quit().catch(() => undefined);
    },
  };
}
