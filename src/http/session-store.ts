import { RedisStore } from 'connect-redis';
import type { Cluster, Redis } from 'ioredis';
import type session from 'express-session';

/** Buyer sessions in Redis (connect-redis 8.1 is the last line that takes an ioredis client on Node 20). */
export function redisSessionStore(client: Redis | Cluster, prefix: string): session.Store {
  return new RedisStore({ client, prefix, ttl: 2 * 3600 });
}
