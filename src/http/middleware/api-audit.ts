import type { RequestHandler, Response } from 'express';
import type { AuditActor } from '../../core/audit-entry.js';
import type { AuditTrail } from '../../service/audit-trail.js';
import type { OperationAsker } from '../../service/payment-operations.js';

/** The action of a payment created through the API, which the create's own write records. */
export const API_CREATE_ACTION = 'api.payment.create';

/** The API key that asked, as the audit log names it (never the key), once apiKeyAuth let it in. */
export function apiKeyActor(res: Response): AuditActor | undefined {
  const name = res.locals.apiKeyName as string | undefined;
  return name ? { kind: 'api_key', name } : undefined;
}

/**
 * The asker of an operation on a payment (capture, cancel, refund, sync): the API key, under the
 * audit log's `action`. The operation records it itself (PaymentOperations), in the write that
 * carries it out, and not on a replay.
 */
export function apiAsker(res: Response, action: string): OperationAsker | undefined {
  const actor = apiKeyActor(res);
  return actor ? { actor, action } : undefined;
}

/**
 * The API's operations the audit log records here, by method and path (under /api/v1): those that
 * change no payment. The create and the operations on a payment are recorded by their own writes
 * (PaymentService.create, PaymentOperations), so an acknowledged change never lacks its entry.
 */
const OPERATIONS: { path: RegExp; action: string }[] = [
  { path: /^\/events\/([^/]+)\/redeliver$/, action: 'api.event.redeliver' },
];

/**
 * Records the merchant API operations of OPERATIONS that were done (a 2xx answer that is not the
 * replay of an earlier one under its Idempotency-Key) with the name of the API key that asked, never
 * the key. Read from the request and the answer, so no route has to remember it.
 */
export function apiAudit(audit: AuditTrail): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'POST') return next();
    const path = req.path;
    const operation = OPERATIONS.find((o) => o.path.test(path));
    if (!operation) return next();
    res.on('finish', () => {
      if (res.statusCode < 200 || res.statusCode >= 300 || res.get('Idempotent-Replayed') === 'true') return;
      const actor = apiKeyActor(res);
      if (!actor) return;
      const target = operation.path.exec(path)?.[1];
      void audit.record({ actor, action: operation.action, detail: target ? { event: target } : {} });
    });
    next();
  };
}
