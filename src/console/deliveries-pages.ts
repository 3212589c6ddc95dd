import { Router, type RequestHandler } from 'express';
import type nunjucks from 'nunjucks';
import { isAuditEvent } from '../core/audit-event.js';
import { ValidationError } from '../core/errors.js';
import { verifyCsrf } from '../http/middleware/csrf.js';
import type { Logger } from '../logger.js';
import type { AuditTrail } from '../service/audit-trail.js';
import type { EventService, EventWithDeliveries } from '../service/event-service.js';
import { renderConsole } from './console-pages.js';
import { requireAction, signedInUser } from './signed-in-user.js';

export interface DeliveriesPagesOptions {
  events: EventService;
  audit: AuditTrail;
  views: nunjucks.Environment;
  form: RequestHandler;
  logger: Logger;
}

const SHOWN = 100;
/** "Redeliver all dead" works through at most this many events a click (a larger backlog takes several). */
const REDELIVER_ALL_MAX = 1_000;
const EVENT_ID = /^evt_[A-Za-z0-9_-]{1,64}$/;

export interface DeliveryRow {
  eventId: string;
  eventType: string;
  /** Null for an audit event, which is no payment's (the page names the audit log instead of linking). */
  paymentId: string | null;
  target: string;
  state: string;
  tries: number;
  lastAt: string;
  lastResult: string;
}

/** One line per delivery in `state` that has been tried: what failed last and when. */
export function deliveryRows(items: EventWithDeliveries[], state: 'pending' | 'dead'): DeliveryRow[] {
  const rows: DeliveryRow[] = [];
  for (const { event, deliveries } of items) {
    for (const delivery of deliveries) {
      const last = delivery.attempts.at(-1);
      if (delivery.state !== state || !last) continue;
      rows.push({
        eventId: event.id,
        eventType: event.type,
        paymentId: isAuditEvent(event) ? null : event.paymentId,
        target: delivery.target,
        state: delivery.state,
        tries: delivery.attempts.length,
        lastAt: last.at,
        lastResult: last.error ?? (last.status !== undefined ? `HTTP ${last.status}` : ''),
      });
    }
  }
  return rows;
}

/** The rows of both listings (payments' events and audit events) in one order: last try newest first. */
function newestFirst(rows: DeliveryRow[]): DeliveryRow[] {
  return rows.sort((a, b) => (a.lastAt < b.lastAt ? 1 : a.lastAt > b.lastAt ? -1 : 0));
}

/** Webhook and email deliveries that are dead or still failing, and their redelivery (one, or an endpoint's dead ones). */
export function deliveriesPages(options: DeliveriesPagesOptions): Router {
  const { events, audit, views, form, logger } = options;
  const router = Router();
  const read = requireAction('payments.read');
  const operate = requireAction('payments.operate');

  router.get('/console/deliveries', read, async (req, res) => {
    // The store lists the payments' events and the audit events apart: four listings.
    const [dead, pending, deadAudit, pendingAudit] = await Promise.all([
      events.list({ deliveryState: 'dead', limit: SHOWN }),
      events.list({ deliveryState: 'pending', limit: SHOWN }),
      events.list({ deliveryState: 'dead', audit: true, limit: SHOWN }),
      events.list({ deliveryState: 'pending', audit: true, limit: SHOWN }),
    ]);
    const deadRows = newestFirst([...deliveryRows(dead.items, 'dead'), ...deliveryRows(deadAudit.items, 'dead')]);
    renderConsole(views, req, res, 'deliveries.njk', {
      dead: deadRows,
      failing: newestFirst([...deliveryRows(pending.items, 'pending'), ...deliveryRows(pendingAudit.items, 'pending')]),
      deadTargets: [...new Set(deadRows.map((r) => r.target))],
      more: [dead, pending, deadAudit, pendingAudit].some((page) => page.nextCursor !== null),
      redelivered: typeof req.query.redelivered === 'string' && /^\d{1,5}$/.test(req.query.redelivered) ? req.query.redelivered : null,
    });
  });

  router.post('/console/deliveries/redeliver', form, verifyCsrf, operate, async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const eventId = typeof body.event === 'string' ? body.event : '';
    const target = typeof body.target === 'string' ? body.target : '';
    if (!EVENT_ID.test(eventId)) throw new ValidationError([{ field: 'event', message: 'Not an event id.' }]);
    const done = await events.redeliver(eventId, target);
    await audit.record({
      actor: { kind: 'console_user', email: signedInUser(res).email },
      action: 'console.redeliver',
      ...(isAuditEvent(done.event) ? {} : { paymentId: done.event.paymentId }),
      detail: { event: eventId, target },
    });
    res.redirect(303, '/console/deliveries?redelivered=1');
  });

  router.post('/console/deliveries/redeliver-dead', form, verifyCsrf, operate, async (req, res) => {
    const target = typeof (req.body as Record<string, unknown>).target === 'string' ? ((req.body as Record<string, string>).target ?? '') : '';
    if (!events.targets.includes(target)) throw new ValidationError([{ field: 'target', message: `One of ${events.targets.join(', ')}.` }]);
    // Collected first, then redelivered: a redelivered event leaves the dead list, which would move a cursor under our feet.
    const dead: string[] = [];
    for (const ofAudit of [false, true]) {
      let cursor: string | undefined;
      do {
        const page = await events.list({ deliveryState: 'dead', audit: ofAudit, limit: 200, ...(cursor ? { cursor } : {}) });
        for (const { event, deliveries } of page.items) if (deliveries.some((d) => d.target === target && d.state === 'dead')) dead.push(event.id);
        cursor = page.nextCursor ?? undefined;
      } while (cursor && dead.length < REDELIVER_ALL_MAX);
    }
    for (const eventId of dead.slice(0, REDELIVER_ALL_MAX)) await events.redeliver(eventId, target);
    const count = Math.min(dead.length, REDELIVER_ALL_MAX);
    const user = signedInUser(res).email;
    await audit.record({ actor: { kind: 'console_user', email: user }, action: 'console.redeliver_dead', detail: { target, events: count } });
    logger.info({ consoleUser: user, target, events: count }, 'console redelivered dead deliveries');
    res.redirect(303, `/console/deliveries?redelivered=${count}`);
  });

  return router;
}
