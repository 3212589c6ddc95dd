import type { RequestHandler } from 'express';
import { findCardData } from '../../core/card-data.js';
import { GatewayError } from '../../core/errors.js';

/** Free-text fields of the merchant API: where a card number could be pasted. Identifiers are not here. */
export function isMerchantFreeText(path: string): boolean {
  // `reason`: a refund's words for the merchant's own records.
  return path === 'description' || path === 'reason' || path.startsWith('metadata.') || path.startsWith('customer.');
}

/**
 * Refuses any request carrying card data, with a generic 400 that repeats nothing of it; the log line
 * names only the route and the kind of finding. Runs after body parsing and before anything stores or
 * logs the body.
 */
export function cardDataGuard(isFreeText: (path: string) => boolean, log: (finding: { kind: string; route: string }) => void): RequestHandler {
  return (req, _res, next) => {
    const finding = findCardData(req.body, isFreeText);
    if (!finding) return next();
    log({ kind: finding.kind, route: req.path.replace(/pay_[A-Za-z0-9_-]+/g, 'pay_…') });
    next(new GatewayError('card_data_refused', 'Card data must never be sent to this gateway: the card is typed on the bank’s page only. The request was refused and not stored.'));
  };
}
