import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { UnauthorizedError } from '../../core/errors.js';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * The name a key goes by in the audit log and logs: `key-` and the first 8 hex digits of its SHA-256.
 * It tells a merchant which of their keys did something (they can compute it) without writing the key.
 */
export function apiKeyName(key: string): string {
  return `key-${digest(key).toString('hex').slice(0, 8)}`;
}

/**
 * `Authorization: Bearer <key>` (scheme in any letter case) against every configured key. Keys are compared as SHA-256 digests with
 * timingSafeEqual (equal lengths, constant time) and every key is checked, so neither the length nor the
 * position of a valid key leaks through timing. Several keys allow rotation without downtime.
 */
export function apiKeyAuth(keys: readonly string[]): RequestHandler {
  const digests = keys.map(digest);
  const names = keys.map(apiKeyName);
  return (req, res, next) => {
    const header = req.get('authorization') ?? '';
    // The scheme name is case-insensitive (RFC 9110 §11.1); the key itself is compared exactly.
    const match = /^Bearer ([\x21-\x7e]{1,200})$/i.exec(header);
    if (!match) return next(new UnauthorizedError());
    const presented = digest(match[1]!);
    let found = -1;
    digests.forEach((known, i) => {
      if (timingSafeEqual(presented, known)) found = i;
    });
    if (found < 0) return next(new UnauthorizedError());
    res.locals.apiKeyName = names[found];
    return next();
  };
}
