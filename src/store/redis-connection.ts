import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
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

/** A primary found through Sentinel: the sentinels to ask and the name they know it by. */
export interface SentinelTarget {
  sentinels: Array<{ host: string; port: number }>;
  masterName: string;
  sentinelPassword?: string;
  password?: string;
  /** TLS to the sentinels themselves. */
  sentinelTls?: boolean;
  /** TLS to the primary and replicas the sentinels name. */
  tls?: boolean;
}

/** A Redis Cluster: seed nodes, from which the client learns every primary and the slots it holds. */
export interface ClusterTarget {
  cluster: Array<{ host: string; port: number }>;
  password?: string;
  tls?: boolean;
}

/** Where the gateway's Redis is: a redis:// URL, a primary that Sentinel names, or a Cluster. */
export type RedisTarget = string | SentinelTarget | ClusterTarget;

/** A connection to one Redis (direct or through Sentinel) or to a Cluster: the commands the gateway sends are the same. */
export type RedisClient = Redis | Cluster;

function sentinelOptions(target: SentinelTarget): RedisOptions {
  return {
    sentinels: target.sentinels,
    name: target.masterName,
    role: 'master',
    ...(target.sentinelPassword ? { sentinelPassword: target.sentinelPassword } : {}),
    ...(target.password ? { password: target.password } : {}),
    // ioredis speaks TLS to the sentinels with sentinelTLS, and to the primary they name only when
    // enableTLSForSentinelMode is set as well as tls.
    ...(target.sentinelTls ? { sentinelTLS: {} } : {}),
    ...(target.tls ? { tls: {}, enableTLSForSentinelMode: true } : {}),
    // A primary demoted by a failover answers writes with READONLY: reconnecting asks the sentinels
    // for the new primary, and the failed command is sent again there (it is retried, not lost).
    reconnectOnError: (err) => (/^READONLY\b/.test(err.message) ? 2 : false),
    // While no sentinel answers, ask them again on the same schedule as a lost connection (returning
    // null instead would end the connection for good). See openRedis for the commands meanwhile.
    sentinelRetryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
  };
}

/** ioredis Cluster options for the gateway: the same per-node behaviour as a single connection. */
export function clusterOptions(target: ClusterTarget, common: RedisOptions): ClusterOptions {
  return {
    redisOptions: {
      ...common,
      ...(target.password ? { password: target.password } : {}),
      ...(target.tls ? { tls: {} } : {}),
    },
    // The Cluster client pipelines on its own, per node: the nodes' options above do not make it.
    enableAutoPipelining: true,
    // Writes and reads go to the primary of each slot: a replica may lag behind what was acknowledged.
    scaleReads: 'master',
    clusterRetryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
    // While a primary fails over its slots answer CLUSTERDOWN or TRYAGAIN, or its connection is gone:
    // the command is tried again every 200 ms, up to maxRedirections times (about 3 s, past a replica's
    // promotion with cluster-node-timeout 1 s), then fails as a store failure (503, retry).
    retryDelayOnClusterDown: 200,
    retryDelayOnFailover: 200,
    retryDelayOnTryAgain: 200,
    maxRedirections: 16,
  };
}

function isClusterTarget(target: RedisTarget): target is ClusterTarget {
  return typeof target !== 'string' && 'cluster' in target;
}

const SENTINELS_UNREACHABLE = /^All sentinels are unreachable/;

/** ioredis's own (untyped) way of failing every queued command with an error. */
interface QueueFlusher {
  flushQueue(err: Error): void;
}

/**
 * An ioredis connection that reconnects for ever and reports its trouble through the gateway's logger:
 * one line when the connection is lost, one when it is back, however many attempts there were in
 * between. Without an `error` listener ioredis prints each failed attempt to stderr, unstructured.
 * Nothing logged names the URL, which may carry a password. With a SentinelTarget the connection asks
 * the sentinels for the primary at each (re)connection, so it follows a failover by itself; a
 * ClusterTarget follows the Cluster's own failovers (MOVED, and a fresh slot map after a lost node).
 */
export function openRedis(target: RedisTarget, { name, logger }: RedisConnectionOptions): RedisClient {
  const common: RedisOptions = {
    maxRetriesPerRequest: MAX_RETRIES_PER_REQUEST,
    retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
    // The commands that many requests in flight send in one turn of the event loop leave in one
    // write, not one write (and one system call) each: writing commands was the largest single cost
    // of the gateway under load. Order on the connection, and so every script's atomicity, is the same.
    enableAutoPipelining: true,
  };
  // Every connection the gateway opens (payments, sessions, rate limits) is made here, so a Sentinel
  // deployment is one setting, not a change in each part.
  const redis: RedisClient =
    typeof target === 'string'
      ? new Redis(target, common)
      : isClusterTarget(target)
        ? new Cluster(target.cluster, clusterOptions(target, common))
        : new Redis({ ...common, ...sentinelOptions(target) });
  let lostAt: number | null = null;
  redis.on('error', (err: Error & { code?: string }) => {
    // ioredis's sentinel retry loop does not count toward maxRetriesPerRequest: without this the
    // commands would wait for as long as no sentinel answers. They fail now with this error, a store
    // failure (503, retry), and are dropped from the queue, so none is written after its request failed.
    if (SENTINELS_UNREACHABLE.test(err.message)) (redis as unknown as QueueFlusher).flushQueue(err);
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

/** The Redis settings of the configuration (REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES), at most one given. */
export interface RedisSettings {
  redisUrl?: string;
  redisSentinel?: SentinelTarget;
  redisCluster?: { nodes: Array<{ host: string; port: number }>; password?: string; tls?: boolean };
}

/** Where the configuration says Redis is, or undefined when it names none (the in-process store). */
export function redisTargetOf(settings: RedisSettings): RedisTarget | undefined {
  if (settings.redisCluster) {
    const { nodes, ...rest } = settings.redisCluster;
    return { cluster: nodes, ...rest };
  }
  return settings.redisSentinel ?? settings.redisUrl;
}
