import type { ErrorRequestHandler, Request, Response } from 'express';
import type nunjucks from 'nunjucks';
import { GatewayError } from '../core/errors.js';
import type { Locale } from '../core/payment.js';
import { pickLocale } from '../i18n/locale.js';
import { translator, type MessageKey } from '../i18n/messages.js';
import type { Logger } from '../logger.js';
import { toGatewayError } from './problem.js';

/** Renders a buyer page with the translator, locale and CSP nonce every template needs. */
export function renderPage(views: nunjucks.Environment, res: Response, template: string, locale: Locale, context: Record<string, unknown> = {}, status = 200): void {
  const html = views.render(template, { ...context, t: translator(locale), locale, nonce: res.locals.cspNonce as string, assetBase: (res.locals.assetBase as string | undefined) ?? '' });
  res.status(status).type('html').send(html);
}

function messageFor(error: GatewayError): MessageKey {
  switch (error.code) {
    case 'not_found':
      return 'error.not_found';
    case 'invalid_bank_message':
      return 'error.bank_message';
    case 'bank_unavailable':
      return 'error.bank_unavailable';
    case 'store_unavailable':
      return 'error.store_unavailable';
    case 'csrf_failed':
      return 'error.csrf';
    default:
      return 'error.generic';
  }
}

/** Buyers get a friendly page in their language, never a stack trace or a token. */
export function pageErrorHandler(views: nunjucks.Environment, logger: Logger): ErrorRequestHandler {
  return (err, req: Request, res, _next) => {
    const error = toGatewayError(err);
    if (error.status >= 500) logger.error({ err: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err) }, 'page request failed');
    const locale = pickLocale(req);
    if (error.retryAfterSeconds !== undefined) res.set('Retry-After', String(error.retryAfterSeconds));
    // The error page must not write the session to the store that has just failed (express-session
    // saves a changed session when the response ends, and would fail again after the page was sent).
    if (error.code === 'store_unavailable') delete (req as { session?: unknown }).session;
    renderPage(views, res, 'error.njk', locale, { message: translator(locale)(messageFor(error)) }, error.status);
  };
}
