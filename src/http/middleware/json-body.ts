import express, { type RequestHandler } from 'express';
import { GatewayError } from '../../core/errors.js';

/**
 * JSON bodies for the merchant API: a body-carrying request must say application/json (415 otherwise),
 * stay under the limit (413) and be a JSON object (400).
 */
export function jsonBody(limit: string): RequestHandler[] {
  const requireJson: RequestHandler = (req, _res, next) => {
    const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
    if (!hasBody || req.is('application/json')) return next();
    next(new GatewayError('unsupported_media_type', 'Send the body as application/json.'));
  };
  const parse = express.json({ limit, strict: true, type: 'application/json' });
  return [requireJson, parse];
}
