import type { RequestHandler, Response } from 'express';
import type { AuditActor } from '../../core/audit-entry.js';
import type { AuditTrail } from '../../service/audit-trail.js';

/** The action of a payment created through the API, which the create's own write records. */
export const API_CREATE_ACTION = 'api.payment.create';

/** The API key that asked, as the audit log names it (never the key), once apiKeyAuth let it in. */
export function apiKeyActor(res: Response): AuditActor | undefined {
  const name = res.locals.apiKeyName as string | undefined;
  return name ? { kind: 'api_key', name } : undefined;
}

/**
 * The API's operations the audit log records here, by method and path (under /api/v1). Not the
 * create: its entry is appended by the store in the write that creates the payment (the route passes
 * it), so an acknowledged create never lacks it, and the busiest operation costs no write of its own.
 */
const OPERATIONS: { path: RegExp; action: string }[] = [
  { path: /^\/payments\/([^/]+)\/capture$/, action: 'api.payment.capture' },
  { path: /^\/payments\/([^/]+)\/cancel$/, action: 'api.payment.cancel' },
  { path: /^\/payments\/([^/]+)\/sync$/, action: 'api.payment.sync' },
  { path: /^\/payments\/([^/]+)\/refunds$/, action: 'api.payment.refund' },
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
      const body = req.body as Record<string, unknown> | undefined;
      const detail: Record<string, string | number> = {};
      if (typeof body?.amount === 'number') detail.amount = body.amount;
      if (target?.startsWith('evt_')) detail.event = target;
      void audit.record({ actor, action: operation.action, ...(target?.startsWith('pay_') ? { paymentId: target } : {}), detail });
    });
    next();
  };
}
