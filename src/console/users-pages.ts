import { Router, type RequestHandler } from 'express';
import type nunjucks from 'nunjucks';
import { CONSOLE_ROLES, isConsoleRole } from '../core/console-role.js';
import { ValidationError } from '../core/errors.js';
import { verifyCsrf } from '../http/middleware/csrf.js';
import type { Logger } from '../logger.js';
import type { AuditTrail } from '../service/audit-trail.js';
import type { ConsoleUserService } from '../service/console/console-users.js';
import { MIN_PASSWORD_LENGTH } from '../service/console/password-hash.js';
import { renderConsole } from './console-pages.js';
import { requireAction, signedInUser } from './signed-in-user.js';

export interface UsersPagesOptions {
  users: ConsoleUserService;
  audit: AuditTrail;
  views: nunjucks.Environment;
  form: RequestHandler;
  logger: Logger;
}

/** Admins manage console users here as with the `console-user` command. */
export function usersPages(options: UsersPagesOptions): Router {
  const { users, audit, views, form, logger } = options;
  const router = Router();
  const manage = requireAction('users.manage');

  router.get('/console/users', manage, async (req, res) => {
    renderConsole(views, req, res, 'users.njk', { users: await users.list(), roles: CONSOLE_ROLES, minPassword: MIN_PASSWORD_LENGTH });
  });

  router.post('/console/users', form, verifyCsrf, manage, async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const role = body.role;
    if (!isConsoleRole(role)) throw new ValidationError([{ field: 'role', message: `One of ${CONSOLE_ROLES.join(', ')}.` }]);
    const added = await users.add(typeof body.email === 'string' ? body.email : '', role, typeof body.password === 'string' ? body.password : '');
    await audit.record({ actor: { kind: 'console_user', email: signedInUser(res).email }, action: 'console.user.add', detail: { user: added.email, role } });
    logger.info({ consoleUser: signedInUser(res).email, added: added.email, role }, 'console user added');
    res.redirect(303, '/console/users');
  });

  router.post('/console/users/reset-password', form, verifyCsrf, manage, async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const email = typeof body.email === 'string' ? body.email : '';
    // As with the command: the new password ends the user's sessions everywhere.
    await users.resetPassword(email, typeof body.password === 'string' ? body.password : '');
    const by = signedInUser(res).email;
    await audit.record({ actor: { kind: 'console_user', email: by }, action: 'console.user.reset_password', detail: { user: email.trim().toLowerCase() } });
    logger.info({ consoleUser: by, reset: email }, 'console user password reset');
    res.redirect(303, '/console/users');
  });

  router.post('/console/users/remove', form, verifyCsrf, manage, async (req, res) => {
    const email = typeof (req.body as Record<string, unknown>).email === 'string' ? ((req.body as Record<string, string>).email ?? '') : '';
    if (email.trim().toLowerCase() === signedInUser(res).email) throw new ValidationError([{ field: 'email', message: 'You cannot remove yourself.' }]);
    await users.remove(email);
    await audit.record({ actor: { kind: 'console_user', email: signedInUser(res).email }, action: 'console.user.remove', detail: { user: email.trim().toLowerCase() } });
    logger.info({ consoleUser: signedInUser(res).email, removed: email }, 'console user removed');
    res.redirect(303, '/console/users');
  });

  return router;
}
