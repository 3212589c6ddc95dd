import { timingSafeEqual } from 'node:crypto';
import { randomBytes } from '../../core/random-bytes.js';
import type { Request, RequestHandler } from 'express';
import { CsrfError } from '../../core/errors.js';
import 'express-session';

declare module 'express-session' {
  interface SessionData {
    csrfToken?: string;
  }
}

export const CSRF_FIELD = '_csrf';

/**
 * Synchronizer token bound to the buyer's session. Hand-written because it is a few lines and
 * security-critical: the maintained packages for Express are either deprecated (csurf) or
 * double-submit-cookie designs we do not need with a server-side session.
 */
export function csrfToken(req: Request): string {
  if (!req.session.csrfToken) req.session.csrfToken = randomBytes(24).toString('base64url');
  return req.session.csrfToken;
}

export const verifyCsrf: RequestHandler = (req, _res, next) => {
  const expected = req.session?.csrfToken;
  const presented = typeof req.body?.[CSRF_FIELD] === 'string' ? (req.body[CSRF_FIELD] as string) : '';
  if (!expected || presented.length !== expected.length) return next(new CsrfError());
  return timingSafeEqual(Buffer.from(presented), Buffer.from(expected)) ? next() : next(new CsrfError());
};
