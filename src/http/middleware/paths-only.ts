import type { Request, RequestHandler } from 'express';

/** The paths a handler serves: any under one of `under` (the prefix itself included), or exactly one of `exact`. */
export interface ServedPaths {
  under?: readonly string[];
  exact?: readonly string[];
}

/**
 * Runs `handler` only for the requests whose path it serves; every other request goes on at once.
 * A router mounted with `app.use(router)` is entered by every request (its stack walked, a dozen
 * closures made for it): the gateway's routers each serve one part of the URL space, and with a
 * dozen of them mounted so, a request paid for all of them. Unlike `app.use(prefix, router)`, the
 * URL is left whole, so the routers keep their full paths. Paths compare without case, as Express's
 * routing does.
 */
export function pathsOnly(paths: ServedPaths, handler: RequestHandler): RequestHandler {
  const under = (paths.under ?? []).map((p) => p.toLowerCase().replace(/\/+$/, ''));
  const exact = new Set((paths.exact ?? []).map((p) => p.toLowerCase()));
  const serves = (req: Request): boolean => {
    const path = req.path.toLowerCase();
    if (exact.has(path)) return true;
    return under.some((prefix) => path.startsWith(prefix) && (path.length === prefix.length || path[prefix.length] === '/'));
  };
  const guarded: RequestHandler = (req, res, next) => (serves(req) ? handler(req, res, next) : next());
  // A router's table of routes stays readable through the guard, as through Express's own mounting
  // (what lists the app's routes, such as the check that the OpenAPI document covers them, walks it).
  const stack = (handler as { stack?: unknown }).stack;
  return stack === undefined ? guarded : Object.assign(guarded, { stack });
}
