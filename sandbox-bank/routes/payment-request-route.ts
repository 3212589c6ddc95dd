import type { RequestHandler } from 'express';
import type { BankContext, PaymentRequestDetails, SandboxProtocol } from '../protocols/sandbox-protocol.js';
import { browserLocale, renderRefusal } from '../pages.js';
import { PaymentRequestRefusal } from '../request-refusal.js';
import { assertNever } from '../../src/index.js';

/**
 * POST to one of a protocol's request paths: the merchant's signed request arrives through the
 * buyer's browser. The protocol verifies it; a verified request opens (or reopens) its transaction
 * and the buyer is sent on to its card page with 303, so a reload of the card page is a harmless GET.
 */
export function paymentRequestRoute(ctx: BankContext, protocol: SandboxProtocol): RequestHandler {
  return async (req, res) => {
    const body: Record<string, unknown> = req.body ?? {};
    let request: PaymentRequestDetails;
    try {
      request = await protocol.readRequest(body, ctx);
    } catch (err) {
      if (!(err instanceof PaymentRequestRefusal)) throw err;
      const log = err.status >= 500 ? ctx.logger.error.bind(ctx.logger) : ctx.logger.warn.bind(ctx.logger);
      log({ protocol: protocol.name, refusal: err.code, field: err.field }, 'payment request refused');
      renderRefusal(ctx, res, err, browserLocale(req));
      return;
    }

    const logged = { protocol: protocol.name, merchantId: request.merchant.merchantId, ref: request.ref };
    const opened = ctx.book.open(protocol.name, request, ctx.now());
    switch (opened.kind) {
      case 'created':
      case 'reopened':
        ctx.logger.info({ ...logged, bankTxnId: opened.transaction.bankTxnId, amount: request.amount, currency: request.currency }, opened.kind === 'created' ? 'transaction opened' : 'transaction reopened');
        res.redirect(303, `${ctx.publicUrl}/pay/${opened.transaction.bankTxnId}`);
        return;
      case 'reused':
      case 'in_use': {
        const refusal = new PaymentRequestRefusal(opened.kind === 'reused' ? 'reference_reused' : 'reference_in_use');
        ctx.logger.warn({ ...logged, refusal: refusal.code }, 'payment request refused');
        renderRefusal(ctx, res, refusal, request.locale);
        return;
      }
      default:
        return assertNever(opened);
    }
  };
}
