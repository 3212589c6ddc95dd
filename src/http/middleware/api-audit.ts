import type { RequestHandler } from 'express';
import type { AuditTrail } from '../../service/audit-trail.js';

/** The API's operations the audit log records, by method and path (under /api/v1). */
const OPERATIONS: { path: RegExp; action: string }[] = [
  { path: /^\/payments$/, action: 'api.payment.create' },
  { path: /^\/payments\/([^/]+)\/capture$/, action: 'api.payment.capture' },
  { path: /^\/payments\/([^/]+)\/cancel$/, action: 'api.payment.cancel' },
  { path: /^\/payments\/([^/]+)\/sync$/, action: 'api.payment.sync' },
  { path: /^\/payments\/([^/]+)\/refunds$/, action: 'api.payment.refund' },
  { path: /^\/events\/([^/]+)\/redeliver$/, action: 'api.event.redeliver' },
];

/**
 * Records every merchant API operation that was done (a 2xx answer that is not the replay of an
 * earlier one under its Idempotency-Key) with the name of the API key that asked, never the key.
 * Read from the request and the answer, so no route has to remember it.
 */
export function apiAudit(audit: AuditTrail): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'POST') return next();
    const path = req.path;
    const operation = OPERATIONS.find((o) => o.path.test(path));
    if (!operation) return next();
    res.on('finish', () => {
      if (res.statusCode < 200 || res.statusCode >= 300 || res.get('Idempotent-Replayed') === 'true') return;
      const name = res.locals.apiKeyName as string | undefined;
      if (!name) return;
      const matched = operation.path.exec(path)?.[1];
      const created = /\/payments\/(pay_[A-Za-z0-9_-]+)$/.exec(res.get('Location') ?? '')?.[1];
      const target = matched ?? created;
      const body = req.body as Record<string, unknown> | undefined;
      const detail: Record<string, string | number> = {};
      if (typeof body?.amount === 'number') detail.amount = body.amount;
      if (typeof body?.currency === 'string' && operation.action === 'api.payment.create') detail.currency = body.currency;
      if (typeof body?.reference === 'string' && operation.action === 'api.payment.create') detail.reference = body.reference.slice(0, 100);
      if (target?.startsWith('evt_')) detail.event = target;
      void audit.record({ actor: { kind: 'api_key', name }, action: operation.action, ...(target?.startsWith('pay_') ? { paymentId: target } : {}), detail });
    });
    next();
  };
}
