import { createHash } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { rateLimit, ipKeyGenerator, type Store } from 'express-rate-limit';
import { GatewayError } from '../../core/errors.js';

export interface RateLimitOptions {
  /** Requests per minute per API key on the merchant API. */
  apiPerMinute: number;
  /** Requests per minute per client IP on buyer pages and the browser return. */
  buyerPerMinute: number;
  /** Counters shared across instances (Redis) for the limiter named `api` or `buyer`; in-process counters when absent. */
  counters?: (limiter: 'api' | 'buyer') => Store;
}

const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/**
 * An IPv4 address counts as itself; an IPv6 one by its /56 (ipKeyGenerator), since one client holds a
 * whole prefix. ipKeyGenerator parses every address with a full IPv6 library, so the common IPv4 case
 * skips it: it would give back the same string.
 */
function clientKey(req: Request): string {
  const ip = req.ip ?? 'unknown';
  return IPV4.test(ip) ? ip : ipKeyGenerator(ip);
}

const tooMany = (): GatewayError => new GatewayError('rate_limited', 'Too many requests; slow down and retry after the time in the RateLimit headers.');

/**
 * express-rate-limit, answering with the IETF RateLimit headers and the gateway's own 429 error (a
 * problem document on the API, a friendly page for buyers). The API is limited per key (hashed, so
 * the key itself is never a Redis key), buyers per IP.
 */
export function rateLimits(options: RateLimitOptions): { api: RequestHandler; buyer: RequestHandler } {
  const common = {
    windowMs: 60_000,
    standardHeaders: 'draft-8' as const,
    legacyHeaders: false,
    handler: (_req: unknown, _res: unknown, next: (err: unknown) => void) => next(tooMany()),
    // Closed, not open, when the counters cannot be reached: the error goes to next() and is answered
    // 503 with Retry-After (src/core/store-failure.ts), like the request itself would be, since the
    // counters live on the Redis that holds the payments and sessions. Letting requests through
    // uncounted would lift the limit (on guessing checkout links, on API abuse) exactly while nobody
    // can see it, for requests that could not be served anyway.
    passOnStoreError: false,
  };
  const apiStore = options.counters?.('api');
  const buyerStore = options.counters?.('buyer');
  return {
    api: rateLimit({
      ...common,
      limit: options.apiPerMinute,
      ...(apiStore ? { store: apiStore } : {}),
      keyGenerator: (req) => createHash('sha256').update(req.get('authorization') ?? '').digest('base64url'),
    }),
    buyer: rateLimit({
      ...common,
      limit: options.buyerPerMinute,
      ...(buyerStore ? { store: buyerStore } : {}),
      keyGenerator: clientKey,
    }),
  };
}
