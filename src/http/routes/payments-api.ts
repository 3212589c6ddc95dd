import { Router, type Response } from 'express';
import { ValidationError } from '../../core/errors.js';
import { PAYMENT_STATUSES, type Payment, type PaymentStatus } from '../../core/payment.js';
import type { PaymentOperations } from '../../service/payment-operations.js';
import type { PaymentService } from '../../service/payment-service.js';
import { paymentJson } from '../../core/payment-json.js';
import { idempotencyOf, operationIdempotencyOf } from '../idempotency-key.js';
import { API_CREATE_ACTION, apiAsker, apiKeyActor } from '../middleware/api-audit.js';
import { parseCapture, parseNoFields } from '../operation-request-schema.js';
import { parseNewPayment, type CreateRules } from '../payment-request-schema.js';
import { refundRoutes } from './refunds-api.js';

export interface PaymentsApiOptions {
  service: PaymentService;
  operations: PaymentOperations;
  rules: CreateRules;
  checkoutUrl: (paymentId: string) => string;
}


function queryString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ValidationError([{ field, message: `${field} must be given once` }]);
  return value;
}

/**
 * The merchant API: create, read, list, cancel, capture and sync payments, and their refunds
 * (refunds-api.ts). Thin: parsing here, rules in the services and core.
 */
export function paymentsApi({ service, operations, rules, checkoutUrl }: PaymentsApiOptions): Router {
  const router = Router();

  /** A payment answered by an operation, marked when it is the answer first given under its Idempotency-Key. */
  const sendPayment = (res: Response, { payment, replayed }: { payment: Payment; replayed: boolean }) => {
    if (replayed) res.set('Idempotent-Replayed', 'true');
    res.json(paymentJson(payment, checkoutUrl(payment.id)));
  };

  router.post('/payments', async (req, res) => {
    const input = parseNewPayment(req.body, rules);
    const actor = apiKeyActor(res);
    const audit = actor ? { actor, action: API_CREATE_ACTION, detail: { amount: input.amount, currency: input.currency, reference: input.reference.slice(0, 100) } } : undefined;
    const { payment, replayed } = await service.create(input, idempotencyOf(req, req.body), audit);
    if (replayed) res.set('Idempotent-Replayed', 'true');
    res.status(201).location(`${req.baseUrl}/payments/${payment.id}`).json(paymentJson(payment, checkoutUrl(payment.id)));
  });

  router.get('/payments', async (req, res) => {
    const reference = queryString(req.query.reference, 'reference');
    const status = queryString(req.query.status, 'status');
    const limitText = queryString(req.query.limit, 'limit');
    const cursor = queryString(req.query.cursor, 'cursor');
    const errors = [];
    if (status !== undefined && !PAYMENT_STATUSES.includes(status as PaymentStatus)) errors.push({ field: 'status', message: `status must be one of ${PAYMENT_STATUSES.join(', ')}` });
    if (reference !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(reference)) errors.push({ field: 'reference', message: 'reference must be 1-64 characters of A-Z a-z 0-9 . _ -' });
    const limit = limitText === undefined ? 20 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) errors.push({ field: 'limit', message: 'limit must be an integer from 1 to 100' });
    if (cursor !== undefined && !/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) errors.push({ field: 'cursor', message: 'cursor is not one this API returned' });
    if (errors.length) throw new ValidationError(errors);
    const page = await service.list({
      limit,
      ...(reference !== undefined ? { reference } : {}),
      ...(status !== undefined ? { status: status as PaymentStatus } : {}),
      ...(cursor !== undefined ? { cursor } : {}),
    });
    res.json({ items: page.items.map((p) => paymentJson(p, checkoutUrl(p.id))), nextCursor: page.nextCursor });
  });

  router.get('/payments/:id', async (req, res) => {
    const payment = await service.get(req.params.id);
    const events = await service.events(payment.id);
    res.json(paymentJson(payment, checkoutUrl(payment.id), events));
  });

  // An authorized payment is voided at its bank; an unpaid one is cancelled, as it always was. The
  // body is ignored, as it always was (it still counts in an Idempotency-Key's fingerprint).
  router.post('/payments/:id/cancel', async (req, res) => {
    sendPayment(res, await operations.cancel(req.params.id, operationIdempotencyOf(req), apiAsker(res, 'api.payment.cancel')));
  });

  router.post('/payments/:id/capture', async (req, res) => {
    const request = parseCapture(req.body);
    sendPayment(res, await operations.capture(req.params.id, request, operationIdempotencyOf(req), apiAsker(res, 'api.payment.capture')));
  });

  router.post('/payments/:id/sync', async (req, res) => {
    parseNoFields(req.body);
    sendPayment(res, await operations.sync(req.params.id, operationIdempotencyOf(req), apiAsker(res, 'api.payment.sync')));
  });

  router.use(refundRoutes(operations));

  return router;
}
