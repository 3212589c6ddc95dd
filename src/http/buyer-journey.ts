import { createHash } from 'node:crypto';
import type { Request } from 'express';
import 'express-session';
import { isMintedHere } from './session-id.js';

declare module 'express-session' {
  interface SessionData {
    /** Which payment's journey this session carries (journeyMark of its id). */
    journey?: string;
  }
}

/** A digest of the payment id: the session store never holds a checkout link's capability. */
function journeyMark(paymentId: string): string {
  return createHash('sha256').update(paymentId, 'utf8').digest('base64url');
}

function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
}

/**
 * Starts the payment journey on the checkout page, once per payment and session. A session that has
 * no journey for this payment (new, fixed beforehand by someone else, or made for another payment)
 * is replaced by one with an id of our own making and no CSRF token yet. A session already on this
 * payment is kept as it is, with its CSRF token: a second tab, or the page loaded again, shows the
 * same token, so Pay works from every tab, and the state machine turns a second Pay into the same
 * attempt, as with a double click. A session made during this request (a first visit) already has an
 * id of our own making, which nobody has seen: it is used as it is, without a destroy and a second
 * write of the store.
 */
export async function startJourney(req: Request, paymentId: string): Promise<void> {
  const mark = journeyMark(paymentId);
  if (req.session.journey === mark) return;
  if (!isMintedHere(req)) await regenerate(req);
  req.session.journey = mark;
}
