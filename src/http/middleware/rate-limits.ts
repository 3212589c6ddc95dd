import type { RequestHandler } from 'express';
import type { Store } from 'express-rate-limit';
import { GatewayError } from '../../core/errors.js';
import { clientKey, digestKey, windowLimiter } from './window-limiter.js';

export interface RateLimitOptions {
  /** Requests per minute per API key on the merchant API. */
  apiPerMinute: number;
  /** Requests per minute per client IP on buyer pages and the browser return. */
  buyerPerMinute: number;
  /** Counters shared across instances (Redis) for the limiter named `api` or `buyer`; in-process counters when absent. */
  counters?: (limiter: 'api' | 'buyer') => Store;
}

const tooMany: RequestHandler = (_req, _res, next) => next(new GatewayError('rate_limited', 'Too many requests; slow down and retry after the time in the RateLimit headers.'));

/**
 * The merchant API limited per key (hashed, so the key itself is never a Redis key), buyers per IP;
 * answered with the gateway's own 429 error (a problem document on the API, a friendly page for buyers).
 */
export function rateLimits(options: RateLimitOptions): { api: RequestHandler; buyer: RequestHandler } {
  const apiStore = options.counters?.('api');
  const buyerStore = options.counters?.('buyer');
  return {
    api: windowLimiter({
      limit: options.apiPerMinute,
      windowMs: 60_000,
      ...(apiStore ? { store: apiStore } : {}),
      key: (req) => digestKey(req.get('authorization') ?? ''),
      onLimited: tooMany,
    }),
    buyer: windowLimiter({
      limit: options.buyerPerMinute,
      windowMs: 60_000,
      ...(buyerStore ? { store: buyerStore } : {}),
      key: clientKey,
      onLimited: tooMany,
    }),
  };
}
