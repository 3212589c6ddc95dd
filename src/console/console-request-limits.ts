import type { RequestHandler } from 'express';
import type { Store } from 'express-rate-limit';
import { GatewayError } from '../core/errors.js';
import { clientKey, digestKey, windowLimiter } from '../http/middleware/window-limiter.js';
import { signedInUser } from './signed-in-user.js';

export type ConsoleRequestLimiter = 'console-pages-ip' | 'console-pages-user';

export interface ConsoleRequestLimitOptions {
  /** Console requests (pages and forms) per minute per client IP, signed in or not. */
  perIpPerMinute: number;
  /** Console requests per minute per signed-in user, across their sessions and IPs. */
  perUserPerMinute: number;
  /** Counters shared across instances (Redis), by limiter; in-process when absent. */
  counters?: (limiter: ConsoleRequestLimiter) => Store;
}

/** The console's own 429: consoleErrorHandler renders it as a page in the user's language. */
const tooMany: RequestHandler = (_req, _res, next) => next(new GatewayError('rate_limited', 'Too many console requests; wait for the Retry-After time.'));

/**
 * Every console request counted, not only failed sign-ins: a script driving a stolen session (or a
 * flood from one address) is slowed to a pace no person clicking through pages reaches. The IP limit
 * runs before the session is read, so a flood costs no store round trip; the user limit runs once the
 * user is known (keyed by a digest of the email, so an email never becomes a Redis key). The library
 * sets Retry-After and the RateLimit headers before the handler runs.
 */
export function consoleRequestLimits(options: ConsoleRequestLimitOptions): { perIp: RequestHandler; perUser: RequestHandler } {
  const ipStore = options.counters?.('console-pages-ip');
  const userStore = options.counters?.('console-pages-user');
  return {
    perIp: windowLimiter({
      limit: options.perIpPerMinute,
      windowMs: 60_000,
      ...(ipStore ? { store: ipStore } : {}),
      key: clientKey,
      onLimited: tooMany,
    }),
    perUser: windowLimiter({
      limit: options.perUserPerMinute,
      windowMs: 60_000,
      ...(userStore ? { store: userStore } : {}),
      key: (_req, res) => digestKey(signedInUser(res).email),
      onLimited: tooMany,
    }),
  };
}
