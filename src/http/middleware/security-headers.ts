import { randomBytes } from '../../core/random-bytes.js';
import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * helmet with a strict CSP: scripts only from a per-response nonce (the auto-submitting bank form),
 * no inline handlers, forms only to ourselves and the banks we send buyers to, never framed,
 * no Referer (payment ids are capabilities and must not leak to the bank or the shop).
 *
 * HSTS and `upgrade-insecure-requests` go only on responses to requests that came over TLS (directly
 * or through a proxy trusted by TRUST_PROXY, which is what `req.secure` says): over plain http they
 * would send the browser to an https origin that does not exist, and the page's stylesheet and the
 * Pay form with it.
 */
export function securityHeaders(formTargets: readonly string[]): RequestHandler[] {
  const nonce: RequestHandler = (_req, res, next) => {
    res.locals.cspNonce = randomBytes(16).toString('base64');
    next();
  };
  const headersFor = (overTls: boolean) =>
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: [(_req, res) => `'nonce-${(res as unknown as { locals: { cspNonce: string } }).locals.cspNonce}'`],
          scriptSrcAttr: ["'none'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          formAction: ["'self'", ...formTargets],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
          objectSrc: ["'none'"],
          upgradeInsecureRequests: overTls ? [] : null,
        },
      },
      referrerPolicy: { policy: 'no-referrer' },
      strictTransportSecurity: overTls ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    });
  const overTls = headersFor(true);
  const overPlainHttp = headersFor(false);
  const headers: RequestHandler = (req, res, next) => (req.secure ? overTls : overPlainHttp)(req, res, next);
  return [nonce, headers];
}
