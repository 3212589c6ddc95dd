import type { Request, RequestHandler } from 'express';

/** Where request durations go: the route pattern, the HTTP status, seconds. */
export type RequestObserver = (route: string, status: number, seconds: number) => void;

/**
 * The route pattern a request was served by (`/api/v1/payments/:id`), read when its answer starts:
 * a label must never be the path itself, which holds payment ids. Static files have no route.
 */
function routeOf(req: Request, status: number): string {
  const route = req.route as { path?: unknown } | undefined;
  if (route && typeof route.path === 'string') return `${req.baseUrl}${route.path}`;
  return status < 400 ? 'static' : 'unmatched';
}

/** Times every request, from its arrival to the end of its answer. */
export function requestMetrics(observe: RequestObserver): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    let route: string | undefined;
    // The matched route and the base URL are those of the handler answering now; by 'finish' an
    // error handler or an outer router may have moved them.
    const writeHead = res.writeHead;
    res.writeHead = function (this: typeof res, ...args: unknown[]) {
      route ??= routeOf(req, typeof args[0] === 'number' ? args[0] : res.statusCode);
      return (writeHead as (...a: unknown[]) => typeof res).apply(this, args);
    } as typeof res.writeHead;
    res.on('finish', () => {
      observe(route ?? routeOf(req, res.statusCode), res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}
