import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit, type Store } from 'express-rate-limit';
import { GatewayError } from '../core/errors.js';
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
const tooMany = (): GatewayError => new GatewayError('rate_limited', 'Too many console requests; wait for the Retry-After time.');

/**
 * Every console request counted, not only failed sign-ins: a script driving a stolen session (or a
 * flood from one address) is slowed to a pace no person clicking through pages reaches. The IP limit
 * runs before the session is read, so a flood costs no store round trip; the user limit runs once the
 * user is known (keyed by a digest of the email, so an email never becomes a Redis key). The library
 * sets Retry-After and the RateLimit headers before the handler runs.
 */
export function consoleRequestLimits(options: ConsoleRequestLimitOptions): { perIp: RequestHandler; perUser: RequestHandler } {
  const common = {
    windowMs: 60_000,
    standardHeaders: 'draft-8' as const,
    legacyHeaders: false,
    handler: (_req: unknown, _res: unknown, next: (err: unknown) => void) => next(tooMany()),
    // Closed when Redis cannot count, as every other limit: the store failure is answered 503.
    passOnStoreError: false,
  };
  const ipStore = options.counters?.('console-pages-ip');
  const userStore = options.counters?.('console-pages-user');
  return {
    perIp: rateLimit({
      ...common,
      limit: options.perIpPerMinute,
      ...(ipStore ? { store: ipStore } : {}),
      keyGenerator: (req) => ipKeyGenerator(req.ip ?? 'unknown'),
    }),
    perUser: rateLimit({
      ...common,
      limit: options.perUserPerMinute,
      ...(userStore ? { store: userStore } : {}),
      keyGenerator: (_req, res) => createHash('sha256').update(signedInUser(res).email).digest('base64url'),
    }),
  };
}
