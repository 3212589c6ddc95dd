import { AsyncResource } from 'node:async_hooks';
import type { RequestHandler } from 'express';
import { REQUEST_ID_HEADER, requestIdFrom, runWithRequestId } from '../../request-context.js';

/**
 * Gives every request an id: the caller's `X-Request-Id` when well formed, a fresh one otherwise. It
 * is answered in the same header, put in problem documents (res.locals.requestId), and everything
 * that runs for the request sees it (src/request-context.ts): its log lines, its calls to banks.
 */
export function requestIds(): RequestHandler {
  return (req, res, next) => {
    const requestId = requestIdFrom(req.get(REQUEST_ID_HEADER));
    res.locals.requestId = requestId;
    res.set(REQUEST_ID_HEADER, requestId);
    runWithRequestId(requestId, () => {
      // A body parser goes on from the request stream's 'end' event, which the socket emits in its
      // own async context: the events are run in this one, so the request's id survives them. One
      // resource for both streams, called directly (AsyncResource.bind builds deprecation wrappers
      // on every call, which showed in the profile).
      const scope = new AsyncResource('hpp.request');
      const reqEmit = req.emit;
      const resEmit = res.emit;
      req.emit = function emitInRequestScope(this: typeof req, ...args: Parameters<typeof req.emit>) {
        return scope.runInAsyncScope(reqEmit, this, ...args);
      } as typeof req.emit;
      res.emit = function emitInRequestScope(this: typeof res, ...args: Parameters<typeof res.emit>) {
        return scope.runInAsyncScope(resEmit, this, ...args);
      } as typeof res.emit;
      next();
    });
  };
}
