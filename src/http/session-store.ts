import { RedisStore } from 'connect-redis';
import type { Cluster, Redis } from 'ioredis';
import type session from 'express-session';

export interface SessionStoreOptions {
  /**
   * Whether an unchanged session's lifetime is extended on each request (an EXPIRE per request). The
   * console's sessions follow activity and need it; a buyer's lives 2 hours from its last change,
   * which outlasts the journey, so its pages and Pay spend no round trip on it.
   */
  touch: boolean;
}

/** Sessions in Redis (connect-redis 8.1 is the last line that takes an ioredis client on Node 20). */
export function redisSessionStore(client: Redis | Cluster, prefix: string, options: SessionStoreOptions): session.Store {
  return new RedisStore({ client, prefix, ttl: 2 * 3600, disableTouch: !options.touch });
}
