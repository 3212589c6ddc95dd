import type { RequestHandler } from 'express';
import type { BankContext } from '../protocols/sandbox-protocol.js';
import { checkCardEntry, type CardEntryForm } from '../card-entry.js';
import { challengePath, renderCardPage, renderNotFound, renderReturnPage, type CardFormState } from '../pages.js';
import { isDecided } from '../response-token.js';
import { authenticationWithoutChallenge } from '../three-d-secure.js';
import type { Decision, MaskedCard } from '../transaction-book.js';
import { settleDecision } from './settle-decision.js';

type Verdict = { decision: Decision } | { retry: CardFormState } | { challenge: MaskedCard };

/**
 * Takes the card fields out of the parsed body, so that the only reference to the number and the
 * security code is the one handed to the checks, gone when this request is.
 */
function takeCardEntry(body: Record<string, unknown>): { action: unknown; form: CardEntryForm } {
  const form: CardEntryForm = { cardNumber: body.cardNumber, expiry: body.expiry, cvc: body.cvc, cardType: body.cardType };
  delete body.cardNumber;
  delete body.cvc;
  return { action: body.action, form };
}

/** Turns the posted form into a verdict, a challenge to pass first, or a reason to show the form again. */
function decide(action: unknown, form: CardEntryForm, now: Date): Verdict {
  if (action === 'cancel') return { decision: { status: 'cancelled' } };
  const entry = checkCardEntry(form, now);
  if (!entry.accepted) return { retry: { problems: entry.problems, kept: entry.kept } };
  if (action !== 'pay') return { retry: { problems: { action: 'unknown_action' }, kept: { cardType: entry.card.brand, expiry: String(form.expiry).trim() } } };
  const { brand, last4, outcome, threeDSecure } = entry.card;
  if (threeDSecure === 'challenge') return { challenge: { brand, last4 } };
  const authentication = threeDSecure !== undefined ? { authentication: authenticationWithoutChallenge(threeDSecure, brand) } : {};
  return {
    decision:
      outcome.status === 'authorised'
        ? { status: 'authorised', card: { brand, last4 }, ...authentication }
        : { status: 'refused', card: { brand, last4 }, reason: outcome.reason, ...authentication },
  };
}

/**
 * POST /pay/:bankTxnId: Pay or Cancel, whatever the protocol. A card whose issuer asks for a challenge
 * is held and the buyer sent to the challenge page (303, so a reload does not post the card again);
 * any other verdict is settled at once.
 */
export function cardDecisionRoute(ctx: BankContext): RequestHandler {
  return async (req, res) => {
    const bankTxnId = String(req.params.bankTxnId);
    const { action, form } = takeCardEntry(req.body ?? {});
    const transaction = ctx.book.get(bankTxnId);
    if (!transaction) return renderNotFound(ctx, req, res);
    if (isDecided(transaction)) return renderReturnPage(ctx, req, res, transaction, 'already_processed');
    // The card was taken already: the buyer is on the challenge, not on the card form.
    if (transaction.challenge) return res.redirect(303, challengePath(ctx, bankTxnId));

    const verdict = decide(action, form, ctx.now());
    if ('retry' in verdict) return renderCardPage(ctx, res, transaction, 422, verdict.retry);
    if ('challenge' in verdict) {
      ctx.book.startChallenge(bankTxnId, verdict.challenge);
      return res.redirect(303, challengePath(ctx, bankTxnId));
    }
    await settleDecision(ctx, req, res, bankTxnId, verdict.decision);
  };
}
