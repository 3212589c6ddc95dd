import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { ValidationError } from '../core/errors.js';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** Canonical JSON (sorted keys) so that the same body with keys in another order is the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The request's Idempotency-Key (1-255 visible ASCII characters) and the fingerprint of what it
 * asks, or undefined without the header. Every POST of the merchant API takes one, with these rules.
 * `scope` goes into the fingerprint beside the body: an operation's method and path, so one key
 * used for another operation or another payment is another request (422), even with an empty body.
 * Creation has no scope, so its fingerprints are those it always had.
 */
export function idempotencyOf(req: Request, body: unknown, scope = ''): { key: string; fingerprint: string } | undefined {
  const key = req.get('idempotency-key');
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new ValidationError([{ field: 'Idempotency-Key', message: 'Idempotency-Key must be 1-255 visible ASCII characters' }]);
  }
  const hash = createHash('sha256');
  if (scope) hash.update(`${scope}\n`);
  return { key, fingerprint: hash.update(canonical(body)).digest('base64url') };
}

/** An operation's Idempotency-Key (capture, cancel, sync, refund): scoped to its method and path; no body is `{}`. */
export function operationIdempotencyOf(req: Request): { key: string; fingerprint: string } | undefined {
  return idempotencyOf(req, req.body === undefined ? {} : req.body, `${req.method} ${req.baseUrl}${req.path}`);
}
