import { randomBytes, createHash } from 'node:crypto';
import { Router, type Request, type RequestHandler } from 'express';
import type nunjucks from 'nunjucks';
import { NotFoundError, ValidationError } from '../core/errors.js';
import { findCurrency, formatAmount } from '../core/money.js';
import { assertNever, type Payment } from '../core/payment.js';
import { intlLocale } from '../i18n/messages.js';
import { pickLocale } from '../i18n/locale.js';
import { verifyCsrf } from '../http/middleware/csrf.js';
import type { Logger } from '../logger.js';
import type { EventService } from '../service/event-service.js';
import type { PaymentOperations } from '../service/payment-operations.js';
import type { PaymentService } from '../service/payment-service.js';
import { renderConsole } from './console-pages.js';
import { paymentTimeline } from './payment-timeline.js';
import { filterQueryString, readPaymentListQuery } from './payment-list-query.js';
import { CSV_HEADER, csvRow } from './payments-csv.js';
import { requireAction, signedInUser } from './signed-in-user.js';

export interface PaymentsPagesOptions {
  service: PaymentService;
  operations: PaymentOperations;
  events: EventService;
  connectors: readonly string[];
  views: nunjucks.Environment;
  form: RequestHandler;
  logger: Logger;
}

const PAGE_SIZE = 25;
const CSV_PAGE = 500;
/** An export stops here: a bigger one is a job for the API's listing, not a browser download. */
const CSV_MAX_ROWS = 100_000;
const PAYMENT_ID = /^pay_[A-Za-z0-9_-]{22}$/;

function amountText(payment: { amount: number; currency: string }, locale: 'en' | 'fr'): string {
  const currency = findCurrency(payment.currency);
  return currency ? formatAmount(payment.amount, currency, intlLocale(locale)) : `${payment.amount} ${payment.currency}`;
}

function row(payment: Payment, locale: 'en' | 'fr') {
  return { id: payment.id, reference: payment.reference, status: payment.status, amount: amountText(payment, locale), connector: payment.connector, email: payment.customer?.email ?? '', createdAt: payment.createdAt };
}

function offeredOperations(payment: Payment): string[] {
  switch (payment.status) {
    case 'authorized':
      return ['capture', 'void', 'sync'];
    case 'succeeded':
      return (payment.amountRefunded ?? 0) < (payment.amountCaptured ?? payment.amount) ? ['refund', 'sync'] : ['sync'];
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

function optionalAmount(body: Record<string, unknown>): number | undefined {
  const text = typeof body.amount === 'string' ? body.amount.trim() : '';
  if (!text) return undefined;
  if (!/^\d{1,15}$/.test(text) || Number(text) < 1) throw new ValidationError([{ field: 'amount', message: 'A whole number of minor units, or empty for all.' }]);
  return Number(text);
}

/**
 * The same form sent twice (a double click, a reload of the answer) is one operation: each rendering
 * of the page carries its own key, and the service's Idempotency-Key machinery replays the first answer.
 */
function formIdempotency(req: Request, operation: string, id: string): { key: string; fingerprint: string } | undefined {
  const body = req.body as Record<string, unknown>;
  const key = typeof body.formKey === 'string' && /^[A-Za-z0-9_-]{16,64}$/.test(body.formKey) ? body.formKey : null;
  if (!key) return undefined;
  const fingerprint = createHash('sha256').update(JSON.stringify([operation, id, body.amount ?? '', body.reason ?? ''])).digest('base64url');
  return { key: `console:${key}`, fingerprint };
}

/** The payments list (search, filters, cursor paging, CSV) and a payment's page with its timeline and operations. */
export function paymentsPages(options: PaymentsPagesOptions): Router {
  const { service, operations, events, connectors, views, form, logger } = options;
  const router = Router();
  const read = requireAction('payments.read');
  const operate = requireAction('payments.operate');

  router.get('/console/payments', read, async (req, res) => {
    const query = readPaymentListQuery(req.query as Record<string, unknown>, connectors);
    const page = await service.list({ limit: PAGE_SIZE, filter: query.filter, ...(query.status ? { status: query.status } : {}), ...(query.cursor ? { cursor: query.cursor } : {}) });
    const locale = pickLocale(req);
    renderConsole(views, req, res, 'payments.njk', {
      form: query.form,
      statuses: ['created', 'pending', 'authorized', 'succeeded', 'failed', 'cancelled', 'expired'],
      connectors,
      payments: page.items.map((p) => row(p, locale)),
      nextLink: page.nextCursor ? `/console/payments?${filterQueryString(query.form, { cursor: page.nextCursor })}` : null,
      csvLink: `/console/payments.csv?${filterQueryString(query.form)}`,
    });
  });

  router.get('/console/payments.csv', read, async (req, res) => {
    const query = readPaymentListQuery(req.query as Record<string, unknown>, connectors);
    res.status(200).type('text/csv; charset=utf-8').set({ 'Content-Disposition': 'attachment; filename="payments.csv"', 'Cache-Control': 'no-store' });
    res.write(`${CSV_HEADER}\r\n`);
    let cursor: string | undefined;
    let rows = 0;
    do {
      const page = await service.list({ limit: CSV_PAGE, filter: query.filter, ...(query.status ? { status: query.status } : {}), ...(cursor ? { cursor } : {}) });
      for (const payment of page.items) res.write(`${csvRow(payment)}\r\n`);
      rows += page.items.length;
      cursor = page.nextCursor ?? undefined;
    } while (cursor && rows < CSV_MAX_ROWS);
    logger.info({ consoleUser: signedInUser(res).email, rows }, 'console payments exported');
    res.end();
  });

  router.get('/console/payments/:id', read, async (req, res) => {
    const id = req.params.id as string;
    if (!PAYMENT_ID.test(id)) throw new NotFoundError();
    const payment = await service.get(id);
    const [paymentEvents, deliveries] = await Promise.all([service.events(id), events.list({ paymentId: id, limit: 100 })]);
    const locale = pickLocale(req);
    renderConsole(views, req, res, 'payment.njk', {
      payment: { ...row(payment, locale), currency: payment.currency, capture: payment.capture ?? 'automatic', amountCaptured: payment.amountCaptured ?? 0, amountRefunded: payment.amountRefunded ?? 0 },
      timeline: paymentTimeline(payment, paymentEvents, deliveries.items),
      formKey: randomBytes(18).toString('base64url'),
      // Only the operations the payment's status can take; the service still refuses any other.
      offered: offeredOperations(payment),
      done: req.query.done === '1',
    });
  });

  router.post('/console/payments/:id/:operation', form, verifyCsrf, operate, async (req, res) => {
    const id = req.params.id as string;
    const operation = req.params.operation as string;
    if (!PAYMENT_ID.test(id)) throw new NotFoundError();
    const body = req.body as Record<string, unknown>;
    const idempotency = formIdempotency(req, operation, id);
    switch (operation) {
      case 'capture': {
        const amount = optionalAmount(body);
        await operations.capture(id, amount === undefined ? {} : { amount }, idempotency);
        break;
      }
      case 'void':
        await operations.void(id, idempotency);
        break;
      case 'refund': {
        const amount = optionalAmount(body);
        const reason = typeof body.reason === 'string' && body.reason.trim() ? body.reason.trim().slice(0, 200) : undefined;
        await operations.refund(id, { ...(amount === undefined ? {} : { amount }), ...(reason ? { reason } : {}) }, idempotency);
        break;
      }
      case 'sync':
        await operations.sync(id, idempotency);
        break;
      default:
        throw new NotFoundError();
    }
    logger.info({ consoleUser: signedInUser(res).email, paymentId: id, operation }, 'console operation');
    res.redirect(303, `/console/payments/${id}?done=1`);
  });

  return router;
}
