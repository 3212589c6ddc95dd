import { createHash, randomBytes } from 'node:crypto';
import { Router, type Request, type RequestHandler } from 'express';
import type nunjucks from 'nunjucks';
import { NotFoundError, ValidationError } from '../core/errors.js';
import { amountCapturableOf, amountRefundableOf } from '../core/payment-money.js';
import { assertNever, type Payment } from '../core/payment.js';
import { pickLocale } from '../i18n/locale.js';
import { verifyCsrf } from '../http/middleware/csrf.js';
import type { Logger } from '../logger.js';
import type { AuditTrail } from '../service/audit-trail.js';
import type { SingleSubmission } from '../service/console/single-submission.js';
import type { EventService } from '../service/event-service.js';
import type { PaymentOperations } from '../service/payment-operations.js';
import type { PaymentService } from '../service/payment-service.js';
import { renderConsole } from './console-pages.js';
import { moneyText } from './money-text.js';
import { formFingerprint, oncePerForm } from './once-per-form.js';
import { requireAction, signedInUser } from './signed-in-user.js';

export interface PaymentActionsOptions {
  service: PaymentService;
  operations: PaymentOperations;
  events: EventService;
  audit: AuditTrail;
  /** Makes a double submit or a resend of a redelivery's confirmation one redelivery (as on the deliveries page). */
  submissions: SingleSubmission;
  views: nunjucks.Environment;
  form: RequestHandler;
  logger: Logger;
}

export type PaymentAction = 'capture' | 'void' | 'refund' | 'sync' | 'redeliver';
const ACTIONS: readonly PaymentAction[] = ['capture', 'void', 'refund', 'sync', 'redeliver'];

export const PAYMENT_ID = /^pay_[A-Za-z0-9_-]{22}$/;
const EVENT_ID = /^evt_[A-Za-z0-9_-]{1,64}$/;
const FORM_KEY = /^[A-Za-z0-9_-]{16,64}$/;

/** The money operations the payment's status can take (a redelivery is offered whenever it has events). */
export function offeredOperations(payment: Payment): PaymentAction[] {
  switch (payment.status) {
    case 'authorized':
      return ['capture', 'void', 'sync'];
    case 'succeeded':
      return amountRefundableOf(payment) > 0 ? ['refund', 'sync'] : ['sync'];
    case 'pending':
      return ['sync'];
    case 'created':
    case 'failed':
    case 'cancelled':
    case 'expired':
      return [];
    default:
      return assertNever(payment.status);
  }
}

function field(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  return typeof value === 'string' ? value.trim() : '';
}

function optionalAmount(body: Record<string, unknown>): number | undefined {
  const text = field(body, 'amount');
  if (!text) return undefined;
  if (!/^\d{1,15}$/.test(text) || Number(text) < 1) throw new ValidationError([{ field: 'amount', message: 'A whole number of minor units, or empty for all.' }]);
  return Number(text);
}

function reasonOf(body: Record<string, unknown>): string | undefined {
  const reason = field(body, 'reason');
  return reason ? reason.slice(0, 200) : undefined;
}

/**
 * The same form sent twice (a double click, a reload of the answer, the back button) is one
 * operation: each rendering of the payment page carries its own key, passed on by the confirmation
 * page, and the service's Idempotency-Key machinery replays the first answer.
 */
function formIdempotency(req: Request, operation: string, id: string): { key: string; fingerprint: string } | undefined {
  const body = req.body as Record<string, unknown>;
  const key = typeof body.formKey === 'string' && FORM_KEY.test(body.formKey) ? body.formKey : null;
  if (!key) return undefined;
  const fingerprint = createHash('sha256').update(JSON.stringify([operation, id, body.amount ?? '', body.reason ?? ''])).digest('base64url');
  return { key: `console:${key}`, fingerprint };
}

function actionOf(text: string): PaymentAction {
  if (!(ACTIONS as readonly string[]).includes(text)) throw new NotFoundError();
  return text as PaymentAction;
}

/**
 * The operations on a payment from its console page: a GET shows what the form would do (the
 * amount, what remains capturable or refundable, the event and target) with a button that POSTs it,
 * so every operation has a confirmation step that needs no script. The POST goes through the same
 * services as the API, so a refusal is the same error (shown as a page) and a replay is one operation.
 */
export function paymentActions(options: PaymentActionsOptions): Router {
  const { service, operations, events, audit, submissions, views, form, logger } = options;
  const router = Router();
  const operate = requireAction('payments.operate');

  /** The event named by a redelivery form, checked to be one of this payment's, and its target. */
  async function redeliveryOf(id: string, body: Record<string, unknown>): Promise<{ eventId: string; eventType: string; target: string }> {
    const eventId = field(body, 'event');
    const target = field(body, 'target');
    const found = EVENT_ID.test(eventId) ? await events.get(eventId) : null;
    if (!found || found.event.paymentId !== id) throw new ValidationError([{ field: 'event', message: 'Not an event of this payment.' }]);
    if (!events.targets.includes(target)) throw new ValidationError([{ field: 'target', message: `One of ${events.targets.join(', ')}.` }]);
    return { eventId, eventType: found.event.type, target };
  }

  router.get('/console/payments/:id/:operation', operate, async (req, res) => {
    const id = req.params.id as string;
    const operation = actionOf(req.params.operation as string);
    if (!PAYMENT_ID.test(id)) throw new NotFoundError();
    const query = req.query as Record<string, unknown>;
    const payment = await service.get(id);
    const locale = pickLocale(req);
    const money = (amount: number) => moneyText(amount, payment.currency, locale);
    const amount = operation === 'capture' || operation === 'refund' ? optionalAmount(query) : undefined;
    const remaining = operation === 'capture' ? amountCapturableOf(payment) : operation === 'refund' ? amountRefundableOf(payment) : undefined;
    const redelivery = operation === 'redeliver' ? await redeliveryOf(id, query) : undefined;
    const given = field(query, 'formKey');
    // A redelivery has no Idempotency-Key of its own: its form always carries a key for SingleSubmission
    // (the payment page's, or a fresh one when the page was reached without it).
    const formKey = FORM_KEY.test(given) ? given : operation === 'redeliver' ? randomBytes(18).toString('base64url') : '';
    renderConsole(views, req, res, 'confirm.njk', {
      operation,
      payment: { id, reference: payment.reference, status: payment.status, amount: money(payment.amount) },
      amount: amount === undefined ? '' : String(amount),
      amountText: amount === undefined ? (remaining === undefined ? null : money(remaining)) : money(amount),
      remainingText: remaining === undefined ? null : money(remaining),
      reason: reasonOf(query) ?? '',
      redelivery,
      formKey,
    });
  });

  router.post('/console/payments/:id/:operation', form, verifyCsrf, operate, async (req, res) => {
    const id = req.params.id as string;
    const operation = actionOf(req.params.operation as string);
    if (!PAYMENT_ID.test(id)) throw new NotFoundError();
    const body = req.body as Record<string, unknown>;
    const idempotency = formIdempotency(req, operation, id);
    const user = signedInUser(res);
    // The money operations record themselves, in the write that carries them out (PaymentOperations).
    const asker = { actor: { kind: 'console_user' as const, email: user.email }, action: `console.${operation}` };
    // A replayed form did nothing new: it is not recorded twice.
    let replayed = false;
    switch (operation) {
      case 'capture': {
        const amount = optionalAmount(body);
        replayed = (await operations.capture(id, amount === undefined ? {} : { amount }, idempotency, asker)).replayed;
        break;
      }
      case 'void':
        replayed = (await operations.void(id, idempotency, asker)).replayed;
        break;
      case 'refund': {
        const amount = optionalAmount(body);
        const reason = reasonOf(body);
        replayed = (await operations.refund(id, { ...(amount === undefined ? {} : { amount }), ...(reason ? { reason } : {}) }, idempotency, asker)).replayed;
        break;
      }
      case 'sync':
        replayed = (await operations.sync(id, idempotency, asker)).replayed;
        break;
      case 'redeliver': {
        const { eventId, target } = await redeliveryOf(id, body);
        // Taken atomically before anything is queued: a second submission of the form queues nothing.
        const once = await oncePerForm(submissions, req, formFingerprint('redeliver', eventId, target), async () => {
          await events.redeliver(eventId, target);
          return 1;
        });
        replayed = once.replayed;
        if (!replayed) await audit.record({ ...asker, paymentId: id, detail: { event: eventId, target } });
        break;
      }
      default:
        assertNever(operation);
    }
    logger.info({ consoleUser: user.email, paymentId: id, operation }, 'console operation');
    // A replayed redelivery says nothing more was queued, as the deliveries page does; a replayed
    // money operation answers as its first did (the Idempotency-Key replays that answer).
    res.redirect(303, `/console/payments/${id}?${replayed && operation === 'redeliver' ? 'already' : 'done'}=1`);
  });

  return router;
}
