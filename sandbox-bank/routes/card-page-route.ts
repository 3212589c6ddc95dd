import type { RequestHandler } from 'express';
import type { BankContext } from '../protocols/sandbox-protocol.js';
import { challengePath, renderCardPage, renderNotFound, renderReturnPage } from '../pages.js';
import { isDecided } from '../response-token.js';

/**
 * GET /pay/:bankTxnId: the card form while the transaction waits for a card (the challenge page once
 * the card is held for one); once decided, the outcome with a button back to the merchant (for a
 * buyer who lost the page that returned them).
 */
export function cardPageRoute(ctx: BankContext): RequestHandler {
  return async (req, res) => {
    const transaction = ctx.book.get(String(req.params.bankTxnId));
    if (!transaction) return renderNotFound(ctx, req, res);
    if (isDecided(transaction)) return renderReturnPage(ctx, req, res, transaction, 'already_processed');
    if (transaction.challenge) return res.redirect(303, challengePath(ctx, transaction.bankTxnId));
    renderCardPage(ctx, res, transaction);
  };
}
