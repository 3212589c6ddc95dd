import type { RequestHandler } from 'express';
import type { BankContext } from '../protocols/sandbox-protocol.js';
import { renderChallengePage, renderNotFound, renderReturnPage } from '../pages.js';
import { isDecided } from '../response-token.js';
import { AUTHENTICATION_ABANDONED, AUTHENTICATION_FAILED, authenticationAfterChallenge, type ChallengeEnd } from '../three-d-secure.js';
import type { BankTransaction, Decision, PendingChallenge } from '../transaction-book.js';
import { settleDecision } from './settle-decision.js';

/** GET /pay/:bankTxnId/challenge: the issuer's one-time code page for a card held for its challenge. */
export function challengePageRoute(ctx: BankContext): RequestHandler {
  return async (req, res) => {
    const transaction = ctx.book.get(String(req.params.bankTxnId));
    if (!transaction) return renderNotFound(ctx, req, res);
    if (isDecided(transaction)) return renderReturnPage(ctx, req, res, transaction, 'already_processed');
    if (!transaction.challenge) return renderNotFound(ctx, req, res);
    renderChallengePage(ctx, res, transaction, transaction.challenge);
  };
}

function endedDecision(challenge: PendingChallenge, end: ChallengeEnd): Decision {
  const authentication = authenticationAfterChallenge(end, challenge.card.brand);
  const card = challenge.card;
  if (end === 'passed') return { status: 'authorised', card, authentication };
  return { status: 'refused', card, reason: end === 'failed' ? AUTHENTICATION_FAILED : AUTHENTICATION_ABANDONED, authentication };
}

/**
 * POST /pay/:bankTxnId/challenge: Confirm with the code, or Cancel. The right code authorises; a wrong
 * one (or one that is not 6 digits) costs a try and, after CHALLENGE_TRIES of them, refuses the payment
 * as `authentication_failed`; Cancel refuses it as `authentication_abandoned`.
 */
export function challengeDecisionRoute(ctx: BankContext): RequestHandler {
  return async (req, res) => {
    const bankTxnId = String(req.params.bankTxnId);
    const body: Record<string, unknown> = req.body ?? {};
    const transaction: BankTransaction | undefined = ctx.book.get(bankTxnId);
    if (!transaction) return renderNotFound(ctx, req, res);
    if (isDecided(transaction)) return renderReturnPage(ctx, req, res, transaction, 'already_processed');
    const challenge = transaction.challenge;
    if (!challenge) return renderNotFound(ctx, req, res);

    if (body.action === 'cancel') return settleDecision(ctx, req, res, bankTxnId, endedDecision(challenge, 'abandoned'));
    const code = typeof body.otp === 'string' ? body.otp.trim() : '';
    if (body.action === 'confirm' && code === challenge.code) return settleDecision(ctx, req, res, bankTxnId, endedDecision(challenge, 'passed'));

    const triesLeft = ctx.book.recordWrongCode(bankTxnId);
    if (triesLeft === undefined) return renderNotFound(ctx, req, res);
    if (triesLeft === 0) return settleDecision(ctx, req, res, bankTxnId, endedDecision(challenge, 'failed'));
    renderChallengePage(ctx, res, transaction, { ...challenge, triesLeft }, 422, /^\d{6}$/.test(code) ? 'wrong_code' : 'code_format');
  };
}
