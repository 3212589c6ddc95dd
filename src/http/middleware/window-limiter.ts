import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit, type Store } from 'express-rate-limit';

export interface WindowLimiterOptions {
  /** Requests allowed per window and key. */
  limit: number;
  windowMs: number;
  /** Counters shared across instances (Redis); in-process when absent. */
  store?: Store;
  /** Whom a request counts against. */
  key: (req: Request, res: Response) => string;
  /** Answers a request over the limit (after the RateLimit headers and Retry-After are set). */
  onLimited: RequestHandler;
  /** Count only refused requests (status 400 and above): failed sign-ins. */
  countFailuresOnly?: boolean;
}

/**
 * One fixed-window limit as every limit of the gateway has it (the API, buyer pages, console pages,
 * failed sign-ins): express-rate-limit with the IETF RateLimit headers, and closed, not open, when
 * the counters cannot be reached. The error goes to next() and is answered 503 with Retry-After (the
 * counters live on the Redis that holds the payments and sessions): letting requests through uncounted
 * would lift the limit exactly while nobody can see it, for requests that could not be served anyway.
 */
export function windowLimiter(options: WindowLimiterOptions): RequestHandler {
  return rateLimit({
    windowMs: options.windowMs,
    limit: options.limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    passOnStoreError: false,
    ...(options.countFailuresOnly ? { skipSuccessfulRequests: true } : {}),
    ...(options.store ? { store: options.store } : {}),
    keyGenerator: options.key,
    handler: options.onLimited,
  });
}

const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const MAPPED_IPV4 = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;

/**
 * The client's address as a limiter key: an IPv4 address counts as itself, an IPv6 one by its /56
 * (ipKeyGenerator), since one client holds a whole prefix. ipKeyGenerator parses every address with a
 * full IPv6 library, so the common IPv4 cases skip it: a plain one, and the IPv4-mapped form
 * (`::ffff:a.b.c.d`) a dual-stack listener reports, which it would reduce to the same `a.b.c.d`.
 */
export function clientKey(req: Request): string {
  const ip = req.ip ?? 'unknown';
  if (IPV4.test(ip)) return ip;
  const mapped = MAPPED_IPV4.exec(ip);
  return mapped ? mapped[1]! : ipKeyGenerator(ip);
}

/** A limiter key that is never the secret or personal value itself (an API key, an email) in Redis. */
export function digestKey(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}
