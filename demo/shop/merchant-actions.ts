import express, { type Request, type Response, type Router } from 'express';
import { findCurrency, fromDecimalString } from '../../src/index.js';
import type { ActionTokens, OrderAction } from './action-tokens.js';
import { GatewayRequestError, type GatewayClient } from './gateway-client.js';
import { ORDER_REFERENCE, type Order, type OrderBook } from './order-book.js';

/** The few logger methods the actions use. */
interface ActionLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface MerchantActionsOptions {
  orders: OrderBook;
  gateway: GatewayClient;
  tokens: ActionTokens;
  logger: ActionLogger;
  /** Renders the shop's error page. */
  problem: (res: Response, status: number, title: string, detail: string) => void;
  /** Renders the gateway's refusal (its problem's title and detail). */
  gatewayProblem: (res: Response, err: GatewayRequestError, heading: string) => void;
}

/** What the merchant writes as a refund reason: kept short, one line. */
const REASON_MAX = 200;

/** An amount typed in the form, e.g. `12.50`; empty means "all of it". */
function readAmount(value: unknown, order: Order): number | undefined | 'invalid' {
  if (value === undefined || (typeof value === 'string' && value.trim() === '')) return undefined;
  const currency = findCurrency(order.currency);
  if (typeof value !== 'string' || !currency) return 'invalid';
  try {
    const amount = fromDecimalString(value.trim().replace(',', '.'), currency);
    return amount > 0 ? amount : 'invalid';
  } catch {
    return 'invalid';
  }
}

/**
 * `POST /orders/:reference/ship` (capture a manual payment: all, or an amount) and
 * `POST /orders/:reference/refund` (all that is refundable, or an amount, with a reason): the shop's
 * staff side, calling the gateway's merchant API. Each form carries a token issued with the page,
 * which is also the call's Idempotency-Key. The order itself moves only when the gateway's signed
 * webhook arrives (payment.captured, refund.succeeded…), so the answer is a 303 back to the order page.
 *
 * A demo has no staff login: anyone who can open the shop can press these buttons.
 */
export function merchantActions(options: MerchantActionsOptions): Router {
  const { orders, gateway, tokens, logger, problem, gatewayProblem } = options;
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '2kb', parameterLimit: 10 });

  /** The order of the URL and the form's fields, once the form's token is one issued for this order and action. */
  function checked(req: Request, res: Response, action: OrderAction): { order: Order & { paymentId: string }; body: Record<string, unknown>; token: string } | undefined {
    const reference = String(req.params.reference);
    const order = ORDER_REFERENCE.test(reference) ? orders.get(reference) : undefined;
    if (!order || order.paymentId === undefined) {
      problem(res, 404, 'No such order', 'We have no paid order with this reference.');
      return undefined;
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!tokens.accepts(body.token, reference, action)) {
      problem(res, 403, 'This form has expired', 'Please open the order again and retry.');
      return undefined;
    }
    return { order: order as Order & { paymentId: string }, body, token: body.token as string };
  }

  router.post('/orders/:reference/ship', form, async (req, res) => {
    const found = checked(req, res, 'ship');
    if (!found) return;
    const { order, body, token } = found;
    if (order.capture !== 'manual') return problem(res, 409, 'Nothing to ship later', 'This order was paid at once: there is nothing to capture.');
    const amount = readAmount(body.amount, order);
    if (amount === 'invalid') return problem(res, 400, 'Please check the amount', 'Give an amount such as 12.50, or leave it empty to capture all of it.');
    try {
      await gateway.capturePayment(order.paymentId, amount === undefined ? {} : { amount }, token);
      logger.info({ reference: order.reference, amount: amount ?? 'all' }, 'capture asked');
      res.redirect(303, `/orders/${order.reference}?done=ship`);
    } catch (err) {
      if (!(err instanceof GatewayRequestError)) throw err;
      logger.warn({ reference: order.reference, gatewayStatus: err.gatewayStatus, problemType: err.problemType }, 'the gateway did not capture');
      gatewayProblem(res, err, 'We could not ship this order');
    }
  });

  router.post('/orders/:reference/refund', form, async (req, res) => {
    const found = checked(req, res, 'refund');
    if (!found) return;
    const { order, body, token } = found;
    const amount = readAmount(body.amount, order);
    if (amount === 'invalid') return problem(res, 400, 'Please check the amount', 'Give an amount such as 12.50, or leave it empty to refund all of it.');
    const reason = typeof body.reason === 'string' ? body.reason.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim() : '';
    if (reason.length > REASON_MAX) return problem(res, 400, 'Please shorten the reason', `A reason is at most ${REASON_MAX} characters.`);
    try {
      const refund = await gateway.refundPayment(order.paymentId, { ...(amount === undefined ? {} : { amount }), ...(reason ? { reason } : {}) }, token);
      logger.info({ reference: order.reference, refundId: refund.id, amount: refund.amount, status: refund.status }, 'refund asked');
      res.redirect(303, `/orders/${order.reference}?done=refund`);
    } catch (err) {
      if (!(err instanceof GatewayRequestError)) throw err;
      logger.warn({ reference: order.reference, gatewayStatus: err.gatewayStatus, problemType: err.problemType }, 'the gateway did not refund');
      gatewayProblem(res, err, 'We could not refund this order');
    }
  });

  return router;
}

