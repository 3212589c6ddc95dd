import { createHash } from 'node:crypto';
import { Router } from 'express';
import { ValidationError } from '../../core/errors.js';
import { PAYMENT_STATUSES, type PaymentStatus } from '../../core/payment.js';
import type { PaymentService } from '../../service/payment-service.js';
import { paymentJson } from '../../core/payment-json.js';
import { parseNewPayment, type CreateRules } from '../payment-request-schema.js';

export interface PaymentsApiOptions {
  service: PaymentService;
  rules: CreateRules;
  checkoutUrl: (paymentId: string) => string;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** Canonical JSON (sorted keys) so that the same body with keys in another order is the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function queryString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ValidationError([{ field, message: `${field} must be given once` }]);
  return value;
}

/** The merchant API: create, read, list and cancel payments. Thin: parsing here, rules in the service and core. */
export function paymentsApi({ service, rules, checkoutUrl }: PaymentsApiOptions): Router {
  const router = Router();

  router.post('/payments', async (req, res) => {
    const input = parseNewPayment(req.body, rules);
    const key = req.get('idempotency-key');
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
      throw new ValidationError([{ field: 'Idempotency-Key', message: 'Idempotency-Key must be 1-255 visible ASCII characters' }]);
    }
    const idempotency = key ? { key, fingerprint: createHash('sha256').update(canonical(req.body)).digest('base64url') } : undefined;
    const { payment, replayed } = await service.create(input, idempotency);
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

  router.post('/payments/:id/cancel', async (req, res) => {
    const { payment } = await service.cancel(req.params.id);
    res.json(paymentJson(payment, checkoutUrl(payment.id)));
  });

  return router;
}
