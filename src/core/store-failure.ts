import { StoreUnavailableError } from './errors.js';

/**
 * Tells a store that cannot answer now (Redis down, restarting, failing over, out of memory) from a
 * bug. The errors come from ioredis itself, or through connect-redis and the rate limiter, which pass
 * them on unchanged; they are recognised here, in one place, and become a StoreUnavailableError (503,
 * retry) instead of an internal error.
 *
 * It lives in core, beside StoreUnavailableError, because every part that meets these errors uses it
 * (the HTTP error mapping, the delivery worker) and it needs nothing but the errors' names and
 * messages: no import of ioredis, no I/O.
 */

// ioredis: offline queue given up after maxRetriesPerRequest, a command on a closed or unwritable
// connection, a command past its commandTimeout, every cluster node failing.
const CLIENT_ERROR_NAMES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError']);
// Socket errors (ECONNREFUSED…) are not listed: ioredis reports them as connection events, and rejects
// the commands with the errors above; a socket error reaching a route comes from elsewhere (a bank).
// With Sentinel: no sentinel could be asked where the primary is.
const CLIENT_ERROR_MESSAGES = [
  /^Connection is closed\.?$/,
  /^Stream isn't writeable/,
  /^Command timed out$/,
  /^Command aborted due to connection close/,
  /^None of startup nodes is available/,
  /^All sentinels are unreachable/,
  // With Cluster: a command retried through a failover (maxRedirections) until it gave up.
  /^Too many Cluster redirections/,
];

// Redis replies of a server that is there but cannot serve this command right now.
const UNAVAILABLE_REPLIES = /^(LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY|NOREPLICAS|OOM|MISCONF)\b/;

export function isStoreFailure(err: unknown): boolean {
  if (err instanceof StoreUnavailableError) return true;
  if (!(err instanceof Error)) return false;
  if (CLIENT_ERROR_NAMES.has(err.name)) return true;
  if (CLIENT_ERROR_MESSAGES.some((pattern) => pattern.test(err.message))) return true;
  return err.name === 'ReplyError' && UNAVAILABLE_REPLIES.test(err.message);
}

/** The error to answer with when `err` is a store failure, or null when it is something else. */
export function storeUnavailable(err: unknown): StoreUnavailableError | null {
  if (err instanceof StoreUnavailableError) return err;
  return isStoreFailure(err) ? new StoreUnavailableError() : null;
}
