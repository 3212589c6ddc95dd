import { randomBytes } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import type nunjucks from 'nunjucks';
import { isAuditEvent } from '../core/audit-event.js';
import { NotFoundError, ValidationError } from '../core/errors.js';
import { verifyCsrf } from '../http/middleware/csrf.js';
import type { Logger } from '../logger.js';
import type { AuditTrail } from '../service/audit-trail.js';
import type { SingleSubmission } from '../service/console/single-submission.js';
import type { EventService, EventWithDeliveries } from '../service/event-service.js';
import { renderConsole } from './console-pages.js';
import { formFingerprint, oncePerForm } from './once-per-form.js';
import { requireAction, signedInUser } from './signed-in-user.js';

export interface DeliveriesPagesOptions {
  events: EventService;
  audit: AuditTrail;
  /** Makes a double submit of a confirmation one redelivery. */
  submissions: SingleSubmission;
  views: nunjucks.Environment;
  form: RequestHandler;
  logger: Logger;
}

const SHOWN = 100;
/** "Redeliver all dead" works through at most this many events a click (a larger backlog takes several). */
const REDELIVER_ALL_MAX = 1_000;
/** How many of the events a "redeliver all dead" would send its confirmation page lists. */
const CONFIRM_LISTED = 20;
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

function field(source: unknown, name: string): string {
  const value = (source as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

/**
 * Webhook and email deliveries that are dead or still failing, and their redelivery (one, or an
 * endpoint's dead ones). Each redelivery is a GET confirmation page saying what will be sent (the
 * event and its target, or how many events to which endpoint) with a form that POSTs it, so it needs
 * no script; the form's key makes a double submit one redelivery.
 */
export function deliveriesPages(options: DeliveriesPagesOptions): Router {
  const { events, audit, submissions, views, form, logger } = options;
  const router = Router();
  const read = requireAction('payments.read');
  const operate = requireAction('payments.operate');

  /** The event a redelivery form names, with its delivery to the target (one of the outbox's). */
  async function deliveryOf(source: unknown): Promise<{ found: EventWithDeliveries; target: string }> {
    const eventId = field(source, 'event');
    const target = field(source, 'target');
    if (!EVENT_ID.test(eventId)) throw new ValidationError([{ field: 'event', message: 'Not an event id.' }]);
    if (!events.targets.includes(target)) throw new ValidationError([{ field: 'target', message: `One of ${events.targets.join(', ')}.` }]);
    const found = await events.get(eventId);
    if (!found) throw new NotFoundError('No event with this id.');
    return { found, target };
  }

  /** The events whose delivery to `target` is dead, payments' and audit ones, newest first, up to the cap of a click. */
  async function deadEventsOf(target: string): Promise<EventWithDeliveries[]> {
    if (!events.targets.includes(target)) throw new ValidationError([{ field: 'target', message: `One of ${events.targets.join(', ')}.` }]);
    // Collected first, then redelivered: a redelivered event leaves the dead list, which would move a cursor under our feet.
    const dead: EventWithDeliveries[] = [];
    for (const ofAudit of [false, true]) {
      let cursor: string | undefined;
      do {
        const page = await events.list({ deliveryState: 'dead', audit: ofAudit, limit: 200, ...(cursor ? { cursor } : {}) });
        for (const item of page.items) if (item.deliveries.some((d) => d.target === target && d.state === 'dead')) dead.push(item);
        cursor = page.nextCursor ?? undefined;
      } while (cursor && dead.length < REDELIVER_ALL_MAX);
    }
    return dead.slice(0, REDELIVER_ALL_MAX);
  }

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
      already: req.query.already === '1',
    });
  });

  router.get('/console/deliveries/redeliver', operate, async (req, res) => {
    const { found, target } = await deliveryOf(req.query);
    const delivery = found.deliveries.find((d) => d.target === target);
    const last = delivery?.attempts.at(-1);
    renderConsole(views, req, res, 'deliveries-confirm.njk', {
      kind: 'one',
      target,
      count: 1,
      listed: [{ eventId: found.event.id, eventType: found.event.type, paymentId: isAuditEvent(found.event) ? null : found.event.paymentId }],
      state: delivery?.state ?? null,
      tries: delivery?.attempts.length ?? 0,
      lastResult: last ? (last.error ?? (last.status !== undefined ? `HTTP ${last.status}` : '')) : '',
      formKey: randomBytes(18).toString('base64url'),
    });
  });

  router.post('/console/deliveries/redeliver', form, verifyCsrf, operate, async (req, res) => {
    const { found, target } = await deliveryOf(req.body);
    const eventId = found.event.id;
    const { replayed } = await oncePerForm(submissions, req, formFingerprint('redeliver', eventId, target), async () => {
      await events.redeliver(eventId, target);
      await audit.record({
        actor: { kind: 'console_user', email: signedInUser(res).email },
        action: 'console.redeliver',
        ...(isAuditEvent(found.event) ? {} : { paymentId: found.event.paymentId }),
        detail: { event: eventId, target },
      });
      return 1;
    });
    res.redirect(303, replayed ? '/console/deliveries?already=1' : '/console/deliveries?redelivered=1');
  });

  router.get('/console/deliveries/redeliver-dead', operate, async (req, res) => {
    const target = field(req.query, 'target');
    const dead = await deadEventsOf(target);
    renderConsole(views, req, res, 'deliveries-confirm.njk', {
      kind: 'dead',
      target,
      count: dead.length,
      capped: dead.length >= REDELIVER_ALL_MAX,
      listed: dead.slice(0, CONFIRM_LISTED).map(({ event }) => ({ eventId: event.id, eventType: event.type, paymentId: isAuditEvent(event) ? null : event.paymentId })),
      formKey: randomBytes(18).toString('base64url'),
    });
  });

  router.post('/console/deliveries/redeliver-dead', form, verifyCsrf, operate, async (req, res) => {
    const target = field(req.body, 'target');
    if (!events.targets.includes(target)) throw new ValidationError([{ field: 'target', message: `One of ${events.targets.join(', ')}.` }]);
    const user = signedInUser(res).email;
    const { replayed, answer } = await oncePerForm(submissions, req, formFingerprint('redeliver-dead', target), async () => {
      const dead = await deadEventsOf(target);
      for (const { event } of dead) await events.redeliver(event.id, target);
      await audit.record({ actor: { kind: 'console_user', email: user }, action: 'console.redeliver_dead', detail: { target, events: dead.length } });
      logger.info({ consoleUser: user, target, events: dead.length }, 'console redelivered dead deliveries');
      return dead.length;
    });
    res.redirect(303, replayed ? '/console/deliveries?already=1' : `/console/deliveries?redelivered=${answer ?? 0}`);
  });

  return router;
}
