import { Router } from 'express';
import { NotFoundError, ValidationError, type FieldError } from '../../core/errors.js';
import type { PaymentEventType } from '../../core/events.js';
import { isAuditEvent } from '../../core/audit-event.js';
import { auditEventJson, eventJson } from '../../core/payment-json.js';
import type { DeliveryState, EventService, EventWithDeliveries } from '../../service/event-service.js';
import { parseRedeliveryTarget } from '../redelivery-request.js';

/** Every event type: exhaustive, so a new type cannot be left out of the filter. */
const EVENT_TYPE_SET: Record<PaymentEventType, true> = {
  'payment.created': true,
  'payment.pending': true,
  'payment.authorized': true,
  'payment.captured': true,
  'payment.succeeded': true,
  'payment.failed': true,
  'payment.cancelled': true,
  'payment.voided': true,
  'payment.expired': true,
  'payment.anomaly': true,
  'payment.checkout_abandoned': true,
  'refund.created': true,
  'refund.succeeded': true,
  'refund.failed': true,
};
const EVENT_TYPES = Object.keys(EVENT_TYPE_SET) as PaymentEventType[];
const DELIVERY_STATES: readonly DeliveryState[] = ['pending', 'delivered', 'dead'];
const EVENT_ID = /^evt_[A-Za-z0-9_-]{22}$/;

function json({ event, deliveries }: EventWithDeliveries, withAttempts: boolean): Record<string, unknown> {
  return {
    // Read by id, an audit event is shown as what it is: no payment's.
    ...(isAuditEvent(event) ? auditEventJson(event) : eventJson(event)),
    deliveries: deliveries.map((d) => ({
      target: d.target,
      state: d.state,
      attemptCount: d.attempts.length,
      nextAttemptAt: d.nextAttemptAt,
      deliveredAt: d.deliveredAt,
      ...(withAttempts ? { attempts: d.attempts } : {}),
    })),
  };
}

function one(value: unknown, field: string, errors: FieldError[]): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    errors.push({ field, message: `${field} must be given once` });
    return undefined;
  }
  return value;
}

/** The merchant's view of events and of their delivery to its webhooks and mailboxes. Thin: parsing here, rules in the service. */
export function eventsApi(events: EventService): Router {
  const router = Router();

  router.get('/events', async (req, res) => {
    const errors: FieldError[] = [];
    const type = one(req.query.type, 'type', errors);
    const paymentId = one(req.query.payment, 'payment', errors);
    const deliveryState = one(req.query.delivery, 'delivery', errors);
    const limitText = one(req.query.limit, 'limit', errors);
    const cursor = one(req.query.cursor, 'cursor', errors);
    if (type !== undefined && !EVENT_TYPES.includes(type as PaymentEventType)) errors.push({ field: 'type', message: `type must be one of ${EVENT_TYPES.join(', ')}` });
    if (deliveryState !== undefined && !DELIVERY_STATES.includes(deliveryState as DeliveryState)) errors.push({ field: 'delivery', message: `delivery must be one of ${DELIVERY_STATES.join(', ')}` });
    if (paymentId !== undefined && !/^pay_[A-Za-z0-9_-]{22}$/.test(paymentId)) errors.push({ field: 'payment', message: 'payment must be a payment id' });
    const limit = limitText === undefined ? 20 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) errors.push({ field: 'limit', message: 'limit must be an integer from 1 to 100' });
    if (cursor !== undefined && !/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) errors.push({ field: 'cursor', message: 'cursor is not one this API returned' });
    if (errors.length) throw new ValidationError(errors);
    const page = await events.list({
      limit,
      ...(type ? { type: type as PaymentEventType } : {}),
      ...(paymentId ? { paymentId } : {}),
      ...(deliveryState ? { deliveryState: deliveryState as DeliveryState } : {}),
      ...(cursor ? { cursor } : {}),
    });
    res.json({ items: page.items.map((e) => json(e, false)), nextCursor: page.nextCursor });
  });

  router.get('/events/:id', async (req, res) => {
    const found = EVENT_ID.test(req.params.id) ? await events.get(req.params.id) : null;
    if (!found) throw new NotFoundError('No event with this id.');
    res.json(json(found, true));
  });

  router.post('/events/:id/redeliver', async (req, res) => {
    if (!EVENT_ID.test(req.params.id)) throw new NotFoundError('No event with this id.');
    const found = await events.redeliver(req.params.id, parseRedeliveryTarget(req.body, events.targets));
    res.status(202).json(json(found, true));
  });

  return router;
}
