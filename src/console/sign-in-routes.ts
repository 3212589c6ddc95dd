import { Router, type Request, type RequestHandler, type Response } from 'express';
import type nunjucks from 'nunjucks';
import type { ConsoleUser } from '../core/console-user.js';
import { consoleTranslator } from '../i18n/console-messages.js';
import { pickLocale } from '../i18n/locale.js';
import { verifyCsrf } from '../http/middleware/csrf.js';
import type { Logger } from '../logger.js';
import type { ConsoleUserService } from '../service/console/console-users.js';
import { renderConsole } from './console-pages.js';
import { regenerate, save } from './session-steps.js';
import { SIGN_IN_PATH } from './signed-in-user.js';

export interface SignInRoutesOptions {
  users: ConsoleUserService;
  views: nunjucks.Environment;
  /** Parses the form body. */
  form: RequestHandler;
  /** The failed-sign-in limits (per IP, per account). */
  limits: RequestHandler[];
  clock: () => Date;
  logger: Logger;
}

export const TOTP_PATH = '/console/sign-in/totp';
export const HOME_PATH = '/console/payments';

/** The session is a new one (its id never seen before the password), holding the user's generation. */
async function signIn(req: Request, res: Response, user: ConsoleUser, clock: () => Date): Promise<void> {
  await regenerate(req);
  req.session.consoleUser = user.email;
  req.session.consoleGeneration = user.sessionGeneration;
  req.session.consoleSeenMs = clock().getTime();
  await save(req);
  res.redirect(303, HOME_PATH);
}

/** The sign-in page, the password step and the second-factor step. */
export function signInRoutes(options: SignInRoutesOptions): Router {
  const { users, views, form, limits, clock, logger } = options;
  const router = Router();
  const t = (req: Request) => consoleTranslator(pickLocale(req));

  router.get(SIGN_IN_PATH, (req, res) => {
    renderConsole(views, req, res, 'sign-in.njk', { notice: req.query.ended ? t(req)('console.sign_in.expired') : null });
  });

  router.post(SIGN_IN_PATH, form, verifyCsrf, ...limits, async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const email = typeof body.email === 'string' ? body.email : '';
    const password = typeof body.password === 'string' ? body.password : '';
    const user = await users.authenticate(email, password);
    if (!user) {
      // The email is the account's name, not a secret; the password never reaches a log line.
      logger.info({ consoleUser: email.slice(0, 200) }, 'console sign-in refused');
      renderConsole(views, req, res, 'sign-in.njk', { error: t(req)('console.sign_in.failed'), email }, 401);
      return;
    }
    if (user.totpSecret) {
      await regenerate(req);
      req.session.consoleAwaitingTotp = user.email;
      await save(req);
      res.redirect(303, TOTP_PATH);
      return;
    }
    logger.info({ consoleUser: user.email }, 'console sign-in');
    await signIn(req, res, user, clock);
  });

  router.get(TOTP_PATH, (req, res) => {
    if (!req.session.consoleAwaitingTotp) return res.redirect(303, SIGN_IN_PATH);
    renderConsole(views, req, res, 'totp.njk');
  });

  router.post(TOTP_PATH, form, verifyCsrf, ...limits, async (req, res) => {
    const email = req.session.consoleAwaitingTotp;
    if (!email) return res.redirect(303, SIGN_IN_PATH);
    const code = typeof (req.body as Record<string, unknown>).code === 'string' ? ((req.body as Record<string, string>).code ?? '') : '';
    if (!(await users.verifyTotp(email, code))) {
      renderConsole(views, req, res, 'totp.njk', { error: t(req)('console.totp.failed') }, 401);
      return;
    }
    const user = await users.get(email);
    if (!user) return res.redirect(303, SIGN_IN_PATH);
    logger.info({ consoleUser: user.email }, 'console sign-in');
    await signIn(req, res, user, clock);
  });

  return router;
}
