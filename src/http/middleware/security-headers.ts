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
  const overTls = fixedHeaders(helmetFor(formTargets, true));
  const overPlainHttp = fixedHeaders(helmetFor(formTargets, false));
  const headers: RequestHandler = (req, res, next) => {
    const nonce = randomBytes(16).toString('base64');
    res.locals.cspNonce = nonce;
    for (const [name, value] of req.secure ? overTls : overPlainHttp) res.setHeader(name, value.replace(NONCE_MARK, nonce));
    next();
  };
  return [headers];
}

/** A stand-in nonce, replaced by each response's own: base64 never contains `!`. */
const NONCE_MARK = '!nonce!';

/**
 * The headers a helmet middleware sets, read once by running it on a recording response: they are
 * the same on every response but for the CSP nonce, and helmet rebuilt them (a dozen middlewares,
 * the policy string) on each request, a few per cent of a request's time. helmet stays the one place
 * the policy is written; only its output is kept.
 */
function fixedHeaders(middleware: ReturnType<typeof helmet>): Array<[string, string]> {
  const set: Array<[string, string]> = [];
  const recording = {
    locals: { cspNonce: NONCE_MARK },
    setHeader: (name: string, value: string | number) => void set.push([name, String(value)]),
    removeHeader: () => undefined,
    getHeader: () => undefined,
  };
  let done: { err?: unknown } | null = null;
  middleware({} as never, recording as never, (err?: unknown) => (done = { err }));
  // helmet's middlewares run synchronously; one that did not would leave headers unrecorded.
  if (done === null) throw new Error('helmet did not finish synchronously: its headers cannot be kept');
  if ((done as { err?: unknown }).err) throw (done as { err?: unknown }).err;
  return set;
}

/** The gateway's helmet settings for responses over TLS or over plain http (see securityHeaders). */
export function helmetFor(formTargets: readonly string[], overTls: boolean): ReturnType<typeof helmet> {
  return helmet({
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
}
