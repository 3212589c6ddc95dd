import { Router, type RequestHandler } from 'express';
import type nunjucks from 'nunjucks';
import QRCode from 'qrcode';
import { verifyCsrf } from '../http/middleware/csrf.js';
import type { Logger } from '../logger.js';
import type { ConsoleUserService } from '../service/console/console-users.js';
import { newTotpSecret, totpUri } from '../service/console/totp.js';
import { consoleTranslator } from '../i18n/console-messages.js';
import { pickLocale } from '../i18n/locale.js';
import { renderConsole } from './console-pages.js';
import { destroy } from './session-steps.js';
import { SIGN_IN_PATH, signedInUser } from './signed-in-user.js';

export interface AccountRoutesOptions {
  users: ConsoleUserService;
  views: nunjucks.Environment;
  form: RequestHandler;
  logger: Logger;
}

/** The signed-in user's own account: sign out (here, everywhere) and the second factor. */
export function accountRoutes(options: AccountRoutesOptions): Router {
  const { users, views, form, logger } = options;
  const router = Router();

  router.get('/console/account', (req, res) => renderConsole(views, req, res, 'account.njk'));

  router.post('/console/sign-out', form, verifyCsrf, async (req, res) => {
    await destroy(req);
    res.redirect(303, SIGN_IN_PATH);
  });

  router.post('/console/sign-out-everywhere', form, verifyCsrf, async (req, res) => {
    const user = signedInUser(res);
    await users.signOutEverywhere(user.email);
    logger.info({ consoleUser: user.email }, 'console user signed out everywhere');
    await destroy(req);
    res.redirect(303, SIGN_IN_PATH);
  });

  // The secret is drafted in the session and stored on the user only once a first code proves the
  // app holds it, so a half-done enrolment cannot lock anyone out.
  router.get('/console/account/totp', async (req, res) => {
    const user = signedInUser(res);
    req.session.consoleTotpDraft ??= newTotpSecret();
    const secret = req.session.consoleTotpDraft;
    // Rendered here as SVG and shown as an image: no script, no third party sees the secret.
    const svg = await QRCode.toString(totpUri(secret, user.email), { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
    const failed = req.query.failed ? consoleTranslator(pickLocale(req))('console.totp.failed') : null;
    renderConsole(views, req, res, 'totp-enrol.njk', { failed, secret, qr: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` });
  });

  router.post('/console/account/totp', form, verifyCsrf, async (req, res) => {
    const user = signedInUser(res);
    const secret = req.session.consoleTotpDraft;
    const code = typeof (req.body as Record<string, unknown>).code === 'string' ? ((req.body as Record<string, string>).code ?? '') : '';
    const t = consoleTranslator(pickLocale(req));
    if (!secret || !(await users.enableTotp(user.email, secret, code))) {
      res.redirect(303, '/console/account/totp?failed=1');
      return;
    }
    delete req.session.consoleTotpDraft;
    logger.info({ consoleUser: user.email }, 'console user turned on two-step verification');
    renderConsole(views, req, res, 'account.njk', { notice: t('console.totp.enabled'), totpOn: true });
  });

  return router;
}
