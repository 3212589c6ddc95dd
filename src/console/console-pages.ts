import type { ErrorRequestHandler, Request, Response } from 'express';
import type nunjucks from 'nunjucks';
import { roleAllows } from '../core/console-role.js';
import type { ConsoleUser } from '../core/console-user.js';
import { ValidationError } from '../core/errors.js';
import type { Locale } from '../core/payment.js';
import { consoleTranslator, type ConsoleMessageKey } from '../i18n/console-messages.js';
import { pickLocale } from '../i18n/locale.js';
import { toGatewayError } from '../http/problem.js';
import { CSRF_FIELD, csrfToken } from '../http/middleware/csrf.js';
import type { Logger } from '../logger.js';

/**
 * Renders a console page with what every console template needs: texts, locale, CSP nonce, the CSRF
 * token for its forms, and the signed-in user with what their role allows (so no page shows a button
 * the user cannot use).
 */
export function renderConsole(views: nunjucks.Environment, req: Request, res: Response, template: string, context: Record<string, unknown> = {}, status = 200): void {
  const locale: Locale = pickLocale(req);
  const user = res.locals.consoleUser as ConsoleUser | undefined;
  const html = views.render(`console/${template}`, {
    ...context,
    t: consoleTranslator(locale),
    locale,
    nonce: res.locals.cspNonce as string,
    assetBase: (res.locals.assetBase as string | undefined) ?? '',
    csrfField: CSRF_FIELD,
    csrf: req.session ? csrfToken(req) : '',
    user: user ? { email: user.email, role: user.role, totp: user.totpSecret !== null } : null,
    can: {
      operate: user ? roleAllows(user.role, 'payments.operate') : false,
      manageUsers: user ? roleAllows(user.role, 'users.manage') : false,
      readAudit: user ? roleAllows(user.role, 'audit.read') : false,
    },
  });
  res.status(status).type('html').set('Cache-Control', 'no-store').send(html);
}

function messageFor(code: string): ConsoleMessageKey {
  switch (code) {
    case 'forbidden':
      return 'console.error.forbidden';
    case 'csrf_failed':
      return 'console.error.csrf';
    case 'not_found':
      return 'console.error.not_found';
    case 'rate_limited':
      return 'console.error.rate_limited';
    case 'amount_not_capturable':
    case 'amount_not_refundable':
    case 'illegal_transition':
    case 'capture_window_closed':
    case 'bank_refused':
    case 'bank_unavailable':
    case 'idempotency_mismatch':
    case 'validation_failed':
    case 'operation_not_supported':
      return `console.error.${code}`;
    default:
      return 'console.error.generic';
  }
}

/** Refusals whose page message says it all (the error's own English words would add nothing). */
const PAGE_MESSAGE_ONLY = new Set(['not_found', 'forbidden', 'csrf_failed', 'rate_limited']);

/** Console errors as a page in the user's language; the status is the error's (403 for a role, a token). */
export function consoleErrorHandler(views: nunjucks.Environment, logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const error = toGatewayError(err);
    if (error.status >= 500) logger.error({ err: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err) }, 'console request failed');
    if (error.retryAfterSeconds !== undefined) res.set('Retry-After', String(error.retryAfterSeconds));
    const locale = pickLocale(req);
    // As on the buyer pages: the error page must not write the session to the store that has just failed.
    if (error.code === 'store_unavailable') delete (req as { session?: unknown }).session;
    // A refused form says which field and why; other refusals say only the page's message.
    // An operation's refusal (more than refundable, the wrong status) says the service's own words too.
    const detail = error instanceof ValidationError ? error.errors.map((e) => e.message).join(' ') : error.expose && !PAGE_MESSAGE_ONLY.has(error.code) ? error.message : null;
    renderConsole(views, req, res, 'error.njk', { message: consoleTranslator(locale)(messageFor(error.code)), detail }, error.status);
  };
}
