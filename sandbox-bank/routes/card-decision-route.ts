import type { RequestHandler } from 'express';
import type { BankContext } from '../protocols/sandbox-protocol.js';
import { checkCardEntry, type CardEntryForm } from '../card-entry.js';
import { renderCardPage, renderNotFound, renderReturnPage, type CardFormState } from '../pages.js';
import { isDecided } from '../response-token.js';
import type { Decision } from '../transaction-book.js';

type DecisionOrRetry = { decision: Decision } | { retry: CardFormState };

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

/** Turns the posted form into a verdict, or into a reason to show the form again. */
function decide(action: unknown, form: CardEntryForm, now: Date): DecisionOrRetry {
  if (action === 'cancel') return { decision: { status: 'cancelled' } };
  const entry = checkCardEntry(form, now);
  if (!entry.accepted) return { retry: { problems: entry.problems, kept: entry.kept } };
  if (action !== 'pay') return { retry: { problems: { action: 'unknown_action' }, kept: { cardType: entry.card.brand, expiry: String(form.expiry).trim() } } };
  const { brand, last4, outcome } = entry.card;
  return {
    decision: outcome.status === 'authorised' ? { status: 'authorised', card: { brand, last4 } } : { status: 'refused', card: { brand, last4 }, reason: outcome.reason },
  };
}

/**
 * POST /pay/:bankTxnId: Pay or Cancel, whatever the protocol. The verdict is recorded before anything
 * is awaited, so a double-click decides once; then the merchant is notified in the transaction's
 * protocol (first try awaited, retries in the background) and the buyer is sent back with a response
 * of its own.
 */
export function cardDecisionRoute(ctx: BankContext): RequestHandler {
  return async (req, res) => {
    const bankTxnId = String(req.params.bankTxnId);
    const { action, form } = takeCardEntry(req.body ?? {});
    const transaction = ctx.book.get(bankTxnId);
    if (!transaction) return renderNotFound(ctx, req, res);
    if (isDecided(transaction)) return renderReturnPage(ctx, req, res, transaction, 'already_processed');

    const verdict = decide(action, form, ctx.now());
    if ('retry' in verdict) return renderCardPage(ctx, res, transaction, 422, verdict.retry);

    const decided = ctx.book.decide(bankTxnId, verdict.decision, ctx.now());
    if (!decided || !isDecided(decided)) {
      // Another request for this transaction decided it between our read and now.
      const current = ctx.book.get(bankTxnId);
      if (current && isDecided(current)) return renderReturnPage(ctx, req, res, current, 'already_processed');
      return renderNotFound(ctx, req, res);
    }
    ctx.logger.info(
      {
        bankTxnId,
        protocol: decided.protocol,
        merchantId: decided.merchantId,
        ref: decided.ref,
        status: decided.status,
        ...(decided.card ? { brand: decided.card.brand, last4: decided.card.last4 } : {}),
        ...(decided.reason !== undefined ? { reason: decided.reason } : {}),
      },
      'transaction decided',
    );

    const protocol = ctx.protocolOf(decided);
    const { notifyUrl } = decided;
    if (notifyUrl !== undefined) {
      await ctx.delivery.start(
        { bankTxnId, protocol: protocol.name, merchantId: decided.merchantId, ref: decided.ref },
        () => protocol.notification({ ...decided, notifyUrl }, ctx),
        protocol.readAcknowledgement?.bind(protocol),
      );
    }
    await renderReturnPage(ctx, req, res, decided, 'just_decided');
  };
}
