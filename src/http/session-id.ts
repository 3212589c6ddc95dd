import type { IncomingMessage } from 'node:http';
import { randomBytes } from '../core/random-bytes.js';

/** The id each session of this request was given, when express-session made one here. */
const mintedFor = new WeakMap<IncomingMessage, string>();

/**
 * express-session's `genid`: 192 random bits, url-safe, as its own default (uid-safe's 24 bytes), but
 * drawn from the pooled generator (one system call per session id was 5 % of a checkout page), and
 * remembered, so that the journey can tell a session made for this request from one the browser
 * brought (isMintedHere).
 */
export function mintSessionId(req: IncomingMessage): string {
  const id = randomBytes(24).toString('base64url');
  mintedFor.set(req, id);
  return id;
}

/**
 * True when the request's session id was made by mintSessionId during this very request: nobody else
 * can have seen it yet, so it needs no regeneration against fixation.
 */
export function isMintedHere(req: IncomingMessage & { sessionID?: string }): boolean {
  return req.sessionID !== undefined && mintedFor.get(req) === req.sessionID;
}
