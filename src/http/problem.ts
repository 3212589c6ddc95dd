import type { ErrorRequestHandler, Response } from 'express';
import { GatewayError } from '../core/errors.js';
import type { Logger } from '../logger.js';
import { storeUnavailable } from '../core/store-failure.js';

/** Stable problem `type` URIs: the part after the base never changes once published. */
export const PROBLEM_BASE = 'https://hpp-gateway.dev/problems/';


/** Errors thrown by body parsers (body-parser sets `type` and `status`). */
interface ParserError {
  type?: string;
  status?: number;
  expose?: boolean;
}

/** Everything that can be thrown, turned into a GatewayError; unknown errors become a 500 that reveals nothing. */
export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  // Redis down or restarting, from the payment store, the sessions or the rate-limit counters: retry.
  const unavailable = storeUnavailable(err);
  if (unavailable) return unavailable;
  const parser = err as ParserError;
  switch (parser?.type) {
    case 'entity.parse.failed':
      return new GatewayError('malformed_body', 'The body is not valid JSON.');
    case 'entity.too.large':
      return new GatewayError('body_too_large', 'The request body is larger than allowed.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new GatewayError('unsupported_media_type', 'The body encoding or charset is not supported.');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new GatewayError('malformed_body', 'The request body could not be read.');
    default:
      if (typeof parser?.status === 'number' && parser.status >= 400 && parser.status < 500) {
        return new GatewayError('malformed_body', 'The request could not be read.');
      }
      return new GatewayError('internal', 'Internal error.');
  }
}

export function sendProblem(res: Response, error: GatewayError, instance?: string): void {
  // The standard members come last, so an extra member of the same name can never replace them.
  const requestId = res.locals.requestId as string | undefined;
  const body: Record<string, unknown> = {
    ...(error.expose ? error.extra : {}),
    // The id to quote to whoever runs the gateway (it is on each log line of the request).
    ...(requestId ? { requestId } : {}),
    type: `${PROBLEM_BASE}${error.code}`,
    title: error.title,
    status: error.status,
    detail: error.expose ? error.message : 'An internal error occurred.',
    ...(instance ? { instance } : {}),
  };
  if (error.status === 401) res.set('WWW-Authenticate', 'Bearer');
  if (error.retryAfterSeconds !== undefined) res.set('Retry-After', String(error.retryAfterSeconds));
  res.status(error.status).type('application/problem+json').send(JSON.stringify(body));
}

/** The one place API errors become HTTP answers. */
export function apiErrorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const error = toGatewayError(err);
    // Logged with the problem's type, so a merchant's complaint (with its requestId) finds its line.
    if (error.status >= 500) logger.error({ problem: error.code, status: error.status, path: req.route?.path, err: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err) }, 'API request failed');
    else logger.info({ problem: error.code, status: error.status, path: req.route?.path }, 'API request refused');
    sendProblem(res, error);
  };
}
