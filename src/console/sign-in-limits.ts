import type { RequestHandler } from 'express';
import type { Store } from 'express-rate-limit';
import { clientKey, digestKey, windowLimiter } from '../http/middleware/window-limiter.js';
import { normaliseEmail } from '../core/console-user.js';

export interface SignInLimitOptions {
  /** Failed sign-ins per account per window (password or second factor). */
  perAccount: number;
  /** Failed sign-ins per client IP per window, across accounts (one IP guessing many accounts). */
  perIp: number;
  windowMs: number;
  /** Counters shared across instances (Redis), by limiter; in-process when absent. */
  counters?: (limiter: 'console-account' | 'console-ip') => Store;
  /** Answers a limited request (the sign-in page with its message, 429). */
  onLimited: RequestHandler;
}

/**
 * Failed sign-ins counted by express-rate-limit: a sign-in that succeeds (status below 400) is not
 * counted, a refused one (401) is. The account limit is keyed by a digest of the email, so an
 * email never becomes a Redis key, and it holds whichever IPs the guesses come from.
 */
export function signInLimits(options: SignInLimitOptions): RequestHandler[] {
  const accountStore = options.counters?.('console-account');
  const ipStore = options.counters?.('console-ip');
  const common = { windowMs: options.windowMs, onLimited: options.onLimited, countFailuresOnly: true };
  return [
    windowLimiter({ ...common, limit: options.perIp, ...(ipStore ? { store: ipStore } : {}), key: clientKey }),
    windowLimiter({
      ...common,
      limit: options.perAccount,
      ...(accountStore ? { store: accountStore } : {}),
      key: (req) => {
        const body = req.body as Record<string, unknown> | undefined;
        const email = typeof body?.email === 'string' ? body.email : (req.session?.consoleAwaitingTotp ?? '');
        return digestKey(normaliseEmail(email));
      },
    }),
  ];
}
