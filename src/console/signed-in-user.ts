import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { roleAllows, type ConsoleAction } from '../core/console-role.js';
import type { ConsoleUser } from '../core/console-user.js';
import { ForbiddenError } from '../core/errors.js';
import type { ConsoleUserService } from '../service/console/console-users.js';
import { destroy } from './session-steps.js';

export const SIGN_IN_PATH = '/console/sign-in';

/** The user of a console request, once requireSignedIn has let it through. */
export function signedInUser(res: Response): ConsoleUser {
  return res.locals.consoleUser as ConsoleUser;
}

/**
 * Lets a request through only for a signed-in user whose account still exists, whose session
 * generation is current (no "sign out everywhere" or password reset since) and who was active within
 * the inactivity limit; anything else ends the session and goes to the sign-in page.
 */
export function requireSignedIn(users: ConsoleUserService, inactivityMs: number, clock: () => Date): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const email = req.session.consoleUser;
    const nowMs = clock().getTime();
    const user = email ? await users.get(email) : null;
    const current = user !== null && user.sessionGeneration === req.session.consoleGeneration;
    const active = req.session.consoleSeenMs !== undefined && nowMs - req.session.consoleSeenMs <= inactivityMs;
    if (!user || !current || !active) {
      if (email) await destroy(req);
      res.redirect(303, `${SIGN_IN_PATH}${email ? '?ended=1' : ''}`);
      return;
    }
    req.session.consoleSeenMs = nowMs;
    res.locals.consoleUser = user;
    next();
  };
}

/** 403 (a page, nothing done) unless the signed-in user's role grants the action. */
export function requireAction(action: ConsoleAction): RequestHandler {
  return (_req, res, next) => (roleAllows(signedInUser(res).role, action) ? next() : next(new ForbiddenError()));
}
