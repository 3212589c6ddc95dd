import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { UnauthorizedError } from '../../core/errors.js';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * `Authorization: Bearer <key>` (scheme in any letter case) against every configured key. Keys are compared as SHA-256 digests with
 * timingSafeEqual (equal lengths, constant time) and every key is checked, so neither the length nor the
 * position of a valid key leaks through timing. Several keys allow rotation without downtime.
 */
export function apiKeyAuth(keys: readonly string[]): RequestHandler {
  const digests = keys.map(digest);
  return (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    // The scheme name is case-insensitive (RFC 9110 §11.1); the key itself is compared exactly.
    const match = /^Bearer ([\x21-\x7e]{1,200})$/i.exec(header);
    if (!match) return next(new UnauthorizedError());
    const presented = digest(match[1]!);
    let ok = false;
    for (const known of digests) ok = timingSafeEqual(presented, known) || ok;
    return ok ? next() : next(new UnauthorizedError());
  };
}
