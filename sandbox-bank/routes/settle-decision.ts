import type { Request, Response } from 'express';
import type { BankContext } from '../protocols/sandbox-protocol.js';
import { renderNotFound, renderReturnPage } from '../pages.js';
import { isDecided } from '../response-token.js';
import type { Decision } from '../transaction-book.js';

/**
 * Records a verdict (synchronously, so a double-click decides once), then notifies the merchant in the
 * transaction's protocol (first try awaited, retries in the background) and sends the buyer back with
 * a response of its own. Shared by the card form and the 3-D Secure challenge.
 */
export async function settleDecision(ctx: BankContext, req: Request, res: Response, bankTxnId: string, decision: Decision): Promise<void> {
  const decided = ctx.book.decide(bankTxnId, decision, ctx.now());
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
      ...(decided.authentication ? { transStatus: decided.authentication.transStatus, eci: decided.authentication.eci } : {}),
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
}
