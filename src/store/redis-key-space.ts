import type { RedisClient } from './redis-connection.js';

/**
 * Where each Redis user of the gateway puts its keys, from REDIS_PREFIX: the one place that knows the
 * key layout's rule for Redis Cluster. A new Redis user takes its prefix from here.
 *
 * Redis Cluster refuses (CROSSSLOT) a script or MULTI whose keys hash to different slots, and the
 * store's scripts build keys from stored data (the payment an attempt points to, the queue of an
 * event), which cannot be declared in advance. So on a Cluster every key of the payment store and
 * its outbox carries one hash tag, `{hpp}:` for REDIS_PREFIX `hpp:`: the whole store is one slot, on
 * one primary (and its replicas). Sessions and rate-limit counters are one key per command or
 * script, so they keep the plain prefix and spread over every primary.
 *
 * On one Redis (direct or through Sentinel) nothing changes: keys are exactly those of earlier
 * versions (`hpp:p:{id}`), so an existing deployment keeps its data.
 */
export function storeKeyPrefix(prefix: string, client: Pick<RedisClient, 'isCluster'>): string {
  if (!client.isCluster || hasHashTag(prefix)) return prefix;
  const bare = prefix.endsWith(':') ? prefix.slice(0, -1) : prefix;
  return `{${bare}}:`;
}

/** Buyer sessions (connect-redis): one key per session, any slot. */
export function sessionKeyPrefix(prefix: string): string {
  return `${prefix}sess:`;
}

/** Console sessions: one key per session, any slot, apart from the buyers'. */
export function consoleSessionKeyPrefix(prefix: string): string {
  return `${prefix}console-sess:`;
}

/** Rate-limit counters of one limiter: one key per client and window, any slot. */
export function rateLimitKeyPrefix(prefix: string, limiter: string): string {
  return `${prefix}rl:${limiter}:`;
}

/** Redis hashes only what is between the first `{` and the next `}`, when that is not empty. */
export function hasHashTag(key: string): boolean {
  const open = key.indexOf('{');
  if (open === -1) return false;
  const close = key.indexOf('}', open + 1);
  return close > open + 1;
}
