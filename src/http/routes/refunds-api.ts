import { Router } from 'express';
import { refundJson } from '../../core/payment-json.js';
import type { PaymentOperations } from '../../service/payment-operations.js';
import { parseRefund } from '../operation-request-schema.js';
import { operationIdempotencyOf } from '../idempotency-key.js';
import { apiAsker } from '../middleware/api-audit.js';

/** Refunds: asked on their payment, read on their own. Thin: parsing here, rules in PaymentOperations and the core. */
export function refundRoutes(operations: PaymentOperations): Router {
  const router = Router();

  // 201 with the refund as it stands: succeeded, failed with the bank's reason, or pending while the
  // bank's answer has not come (a sync, or a retry with the same Idempotency-Key, settles it).
  router.post('/payments/:id/refunds', async (req, res) => {
    const request = parseRefund(req.body);
    const { refund, replayed } = await operations.refund(req.params.id, request, operationIdempotencyOf(req), apiAsker(res, 'api.payment.refund'));
    if (replayed) res.set('Idempotent-Replayed', 'true');
    res.status(201).location(`${req.baseUrl}/refunds/${refund.id}`).json(refundJson(refund));
  });

  router.get('/payments/:id/refunds', async (req, res) => {
    const refunds = await operations.listRefunds(req.params.id);
    res.json({ items: refunds.map(refundJson) });
  });

  router.get('/refunds/:id', async (req, res) => {
    res.json(refundJson(await operations.getRefund(req.params.id)));
  });

  return router;
}
