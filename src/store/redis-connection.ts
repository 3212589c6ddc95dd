import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

export interface RedisConnectionOptions {
  /** What the connection is for (`payments`, `sessions`): the `connection` field of its log lines. */
  name: string;
  logger: Logger;
}

// While Redis is away a command waits in ioredis's offline queue through this many failed reconnection
// attempts (plus the one under way), then fails with a retryable error: a buyer gets the "try again"
// page in about two seconds instead of waiting for as long as Redis is away. A blip shorter than one
// reconnection costs nothing: the queued commands go out on the new connection.
const MAX_RETRIES_PER_REQUEST = 1;
// Reconnection attempts back off to once a second (ioredis's default goes to 2 s): the gateway serves
// again within about a second of Redis coming back, at the price of one cheap connect a second during
// an outage.
const MAX_RECONNECT_DELAY_MS = 1000;

/**
 * An ioredis connection that reconnects for ever and reports its trouble through the gateway's logger:
 * one line when the connection is lost, one when it is back, however many attempts there were in
 * between. Without an `error` listener ioredis prints each failed attempt to stderr, unstructured.
 * Nothing logged names the URL, which may carry a password.
 */
export function openRedis(url: string, { name, logger }: RedisConnectionOptions): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: MAX_RETRIES_PER_REQUEST,
    retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
  });
  let lostAt: number | null = null;
  redis.on('error', (err: Error & { code?: string }) => {
    if (lostAt !== null) return;
    lostAt = Date.now();
    logger.error({ connection: name, err: { name: err.name, code: err.code, message: err.message } }, 'Redis connection lost');
  });
  redis.on('ready', () => {
    if (lostAt === null) return;
    logger.warn({ connection: name, downMs: Date.now() - lostAt }, 'Redis connection restored');
    lostAt = null;
  });
  return redis;
}
