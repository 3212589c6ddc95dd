import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

/** The nonce of this response's CSP; templates put it on their one `<script>`. */
export function cspNonce(res: Response): string {
  return String(res.locals.cspNonce);
}

export interface SecurityHeaders {
  /** helmet for every response, with a fresh script nonce per response. */
  readonly middleware: RequestHandler[];
  /**
   * Rewrites this response's CSP so its forms may also be submitted to `url`'s origin: the page that
   * sends the buyer back to the merchant posts cross-origin, which helmet's `form-action 'self'` forbids.
   */
  allowFormSubmissionTo(req: Request, res: Response, url: string): void;
}

/**
 * @param publicUrl the bank's own base URL: forms may always post there, even when a proxy makes it
 * differ from the origin the request arrived on.
 *
 * HSTS and `upgrade-insecure-requests` go only on responses to requests that came over TLS
 * (`req.secure`): over plain http they would send the buyer's card form to an https origin that does
 * not exist.
 */
export function createSecurityHeaders(publicUrl: string): SecurityHeaders {
  const ownOrigin = new URL(publicUrl).origin;

  const contentSecurityPolicy = (overTls: boolean, formActionOrigins: readonly string[]) => ({
    directives: {
      scriptSrc: ["'self'", (_req: IncomingMessage, res: ServerResponse) => `'nonce-${(res as Response).locals.cspNonce}'`],
      formAction: ["'self'", ...formActionOrigins],
      upgradeInsecureRequests: overTls ? [] : null,
    },
  });

  const overTls = helmet({ contentSecurityPolicy: contentSecurityPolicy(true, [ownOrigin]) });
  const overPlainHttp = helmet({ contentSecurityPolicy: contentSecurityPolicy(false, [ownOrigin]), strictTransportSecurity: false });
  const everyPage: RequestHandler = (req, res, next) => (req.secure ? overTls : overPlainHttp)(req, res, next);

  const assignNonce: RequestHandler = (_req, res, next) => {
    res.locals.cspNonce = randomBytes(16).toString('base64');
    // Card pages and pages holding a signed response must never be served from a cache.
    res.setHeader('Cache-Control', 'no-store');
    next();
  };

  return {
    middleware: [assignNonce, everyPage],
    allowFormSubmissionTo(req, res, url) {
      const targetOrigin = new URL(url).origin;
      // helmet's CSP middleware is synchronous: it has replaced the header when it returns.
      helmet.contentSecurityPolicy(contentSecurityPolicy(req.secure, [ownOrigin, targetOrigin]))(req, res, () => undefined);
    },
  };
}
