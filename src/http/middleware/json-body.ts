import type { IncomingMessage } from 'node:http';
import express, { type RequestHandler } from 'express';
import { GatewayError, ValidationError } from '../../core/errors.js';
import { findDuplicateKey } from '../duplicate-keys.js';

/** What the byte check found in a request's body, kept until the parser has run. */
type BodyFinding = { duplicate: string } | { unreadable: true };

/**
 * JSON bodies for the merchant API: a body-carrying request must say application/json (415 otherwise),
 * stay under the limit (413), be a JSON object (400) and give each key of an object once (400).
 */
export function jsonBody(limit: string): RequestHandler[] {
  const findings = new WeakMap<IncomingMessage, BodyFinding>();
  const requireJson: RequestHandler = (req, _res, next) => {
    const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
    if (!hasBody || req.is('application/json')) return next();
    next(new GatewayError('unsupported_media_type', 'Send the body as application/json.'));
  };
  const parse = express.json({
    limit,
    strict: true,
    type: 'application/json',
    // Runs on the raw bytes, before JSON.parse. Throwing here would become a 403, so the finding is
    // kept and answered by refuseDuplicateKeys once the body is known to be valid JSON.
    verify: (req, _res, bytes, encoding) => {
      const utf8 = encoding === 'utf-8' ? bytes : reencode(bytes, encoding);
      if (utf8 === null) return void findings.set(req, { unreadable: true });
      const duplicate = findDuplicateKey(utf8);
      if (duplicate !== null) findings.set(req, { duplicate });
    },
  });
  const refuseDuplicateKeys: RequestHandler = (req, _res, next) => {
    const finding = findings.get(req);
    if (!finding) return next();
    if ('unreadable' in finding) return next(new GatewayError('unsupported_media_type', 'Send the body as UTF-8 JSON.'));
    next(new ValidationError([{ field: finding.duplicate, message: `${finding.duplicate} is given more than once` }], 'The body gives a key more than once.'));
  };
  return [requireJson, parse, refuseDuplicateKeys];
}

/** UTF-16 bodies (allowed by the parser, rare) as UTF-8 bytes for the check; null for a charset we cannot decode. */
function reencode(bytes: Buffer, encoding: string): Buffer | null {
  try {
    return Buffer.from(new TextDecoder(encoding, { fatal: true }).decode(bytes), 'utf8');
  } catch {
    return null;
  }
}
