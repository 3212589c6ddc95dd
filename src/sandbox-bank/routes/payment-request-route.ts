import type { RequestHandler } from 'express';
import { REQUEST_FIELD } from '../../connectors/native/protocol.js';
import type { BankContext } from '../bank-context.js';
import { verifyPaymentRequest, type VerifiedPaymentRequest } from '../payment-request.js';
import { browserLocale, renderRefusal } from '../pages.js';
import { PaymentRequestRefusal } from '../request-refusal.js';

/**
 * POST /pay: the merchant's signed request arrives through the buyer's browser. A verified request
 * opens (or reopens) its transaction and the buyer is sent on to its card page with 303, so a reload
 * of the card page is a harmless GET.
 */
export function paymentRequestRoute(ctx: BankContext): RequestHandler {
  return async (req, res) => {
    const body: Record<string, unknown> = req.body ?? {};
    let request: VerifiedPaymentRequest;
    try {
      request = await verifyPaymentRequest(body[REQUEST_FIELD], { bankId: ctx.bankId, merchants: ctx.merchants, now: ctx.now() });
    } catch (err) {
      if (!(err instanceof PaymentRequestRefusal)) throw err;
      const log = err.status >= 500 ? ctx.logger.error.bind(ctx.logger) : ctx.logger.warn.bind(ctx.logger);
      log({ refusal: err.code, field: err.field }, 'payment request refused');
      renderRefusal(ctx, res, err, browserLocale(req));
      return;
    }

    const logged = { merchantId: request.merchant.merchantId, ref: request.txn.ref };
    const opened = ctx.book.open(request, ctx.now());
    switch (opened.kind) {
      case 'created':
      case 'reopened':
        ctx.logger.info({ ...logged, bankTxnId: opened.transaction.bankTxnId, amount: request.txn.amount, currency: request.txn.currency }, opened.kind === 'created' ? 'transaction opened' : 'transaction reopened');
        res.redirect(303, `${ctx.publicUrl}/pay/${opened.transaction.bankTxnId}`);
        return;
      case 'reused':
      case 'in_use': {
        const refusal = new PaymentRequestRefusal(opened.kind === 'reused' ? 'reference_reused' : 'reference_in_use');
        ctx.logger.warn({ ...logged, refusal: refusal.code }, 'payment request refused');
        renderRefusal(ctx, res, refusal, request.txn.locale);
        return;
      }
      default: {
        const unreachable: never = opened;
        throw new Error(`unexpected open result ${JSON.stringify(unreachable)}`);
      }
    }
  };
}
