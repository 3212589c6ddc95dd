import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import type nunjucks from 'nunjucks';
import { NotFoundError } from '../core/errors.js';
import { amountCapturableOf, amountRefundableOf } from '../core/payment-money.js';
import type { Payment } from '../core/payment.js';
import { pickLocale } from '../i18n/locale.js';
import type { Logger } from '../logger.js';
import type { EventService } from '../service/event-service.js';
import type { PaymentService } from '../service/payment-service.js';
import { renderConsole } from './console-pages.js';
import { moneyText } from './money-text.js';
import { offeredOperations, PAYMENT_ID } from './payment-actions.js';
import { paymentTimeline } from './payment-timeline.js';
import { filterQueryString, readPaymentListQuery } from './payment-list-query.js';
import { CSV_HEADER, csvRow } from './payments-csv.js';
import { requireAction, signedInUser } from './signed-in-user.js';

export interface PaymentsPagesOptions {
  service: PaymentService;
  events: EventService;
  connectors: readonly string[];
  views: nunjucks.Environment;
  logger: Logger;
}

const PAGE_SIZE = 25;
const CSV_PAGE = 500;
/** An export stops here: a bigger one is a job for the API's listing, not a browser download. */
const CSV_MAX_ROWS = 100_000;

function amountText(payment: { amount: number; currency: string }, locale: 'en' | 'fr'): string {
  return moneyText(payment.amount, payment.currency, locale);
}

function row(payment: Payment, locale: 'en' | 'fr') {
  return { id: payment.id, reference: payment.reference, status: payment.status, amount: amountText(payment, locale), connector: payment.connector, email: payment.customer?.email ?? '', createdAt: payment.createdAt };
}

/** The payments list (search, filters, cursor paging, CSV) and a payment's page with its timeline and operations. */
export function paymentsPages(options: PaymentsPagesOptions): Router {
  const { service, events, connectors, views, logger } = options;
  const router = Router();
  const read = requireAction('payments.read');

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
    const [paymentEvents, deliveries, refusals] = await Promise.all([service.events(id), events.list({ paymentId: id, limit: 100 }), service.refusedMessages(id)]);
    const locale = pickLocale(req);
    renderConsole(views, req, res, 'payment.njk', {
      payment: { ...row(payment, locale), currency: payment.currency, capture: payment.capture ?? 'automatic', amountCaptured: payment.amountCaptured ?? 0, amountRefunded: payment.amountRefunded ?? 0 },
      timeline: paymentTimeline(payment, paymentEvents, deliveries.items, refusals),
      formKey: randomBytes(18).toString('base64url'),
      // Only the operations the payment's status can take; the service still refuses any other.
      offered: offeredOperations(payment),
      capturableText: payment.status === 'authorized' ? moneyText(amountCapturableOf(payment), payment.currency, locale) : null,
      refundableText: payment.status === 'succeeded' ? moneyText(amountRefundableOf(payment), payment.currency, locale) : null,
      redeliverable: paymentEvents.map((e) => ({ id: e.id, type: e.type })).reverse(),
      targets: events.targets,
      done: req.query.done === '1',
      already: req.query.already === '1',
    });
  });

  return router;
}
