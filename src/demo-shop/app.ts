import { readFileSync } from 'node:fs';
import path from 'node:path';
import express, { type ErrorRequestHandler, type Response } from 'express';
import helmet from 'helmet';
import type nunjucks from 'nunjucks';
import { findCurrency, formatAmount, type Currency } from '../core/money.js';
import type { Locale } from '../core/payment.js';
import { useViews, VIEWS_ROOT } from '../http/views.js';
import { GatewayClient, GatewayRequestError, isWebUrl, type GatewayPayment } from './gateway-client.js';
import { newOrderReference, ORDER_REFERENCE, OrderBook } from './order-book.js';
import { canPay, cardOf, statusText } from './order-status.js';
import { findProduct, PRODUCTS } from './products.js';

/** The few pino methods the shop uses; a pino logger (or a child) fits. */
export interface ShopLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface DemoShopOptions {
  /** Where buyers reach the shop, e.g. `http://localhost:3002`; the gateway sends them back here. */
  publicUrl: string;
  /** The gateway's base URL; its merchant API is under `/api/v1`. */
  gatewayUrl: string;
  /** The merchant API key, sent as `Authorization: Bearer …`. */
  apiKey: string;
  /** ISO 4217 code the product prices are in. Default EUR. */
  currency?: string;
  logger?: ShopLogger;
  /** How long to wait for the gateway. Default 10 s. */
  gatewayTimeoutMs?: number;
}

const SHOP_LOCALE = 'en';
const ORDERS_LISTED = 50;
const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const silent: ShopLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * A tiny shop that pays through the gateway like any merchant would: it creates a payment over the
 * merchant API, sends the buyer to the gateway's checkout page, and reads the payment's status back
 * when the buyer returns. Orders live in memory.
 */
export function createDemoShop(options: DemoShopOptions): express.Express {
  const publicUrl = options.publicUrl.replace(/\/+$/, '');
  const currency = findCurrency(options.currency ?? 'EUR');
  if (!currency) throw new Error(`demo shop: unknown currency ${JSON.stringify(options.currency)}`);
  const gatewayOrigin = new URL(options.gatewayUrl).origin;
  const logger = options.logger ?? silent;
  const gateway = new GatewayClient({ gatewayUrl: options.gatewayUrl, apiKey: options.apiKey, ...(options.gatewayTimeoutMs ? { timeoutMs: options.gatewayTimeoutMs } : {}) });
  const orders = new OrderBook();
  const stylesheet = readFileSync(path.join(VIEWS_ROOT, 'demo-shop', 'shop.css'));

  const app = express();
  app.disable('x-powered-by');
  const views = useViews(app, 'demo-shop');
  const price = (amount: number, of: Currency = currency) => formatAmount(amount, of, SHOP_LOCALE);

  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'none'"],
          scriptSrcAttr: ["'none'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          // The buy form's answer redirects to the gateway's checkout page, and browsers apply form-action to that redirect.
          formAction: ["'self'", gatewayOrigin],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
          objectSrc: ["'none'"],
          upgradeInsecureRequests: publicUrl.startsWith('https:') ? [] : null,
        },
      },
      referrerPolicy: { policy: 'no-referrer' },
    }),
  );

  app.get('/shop.css', (_req, res) => {
    res.type('css').set('Cache-Control', 'public, max-age=3600').send(stylesheet);
  });

  app.get('/', (_req, res) => {
    const products = PRODUCTS.map((p) => ({ ...p, priceText: price(p.price) }));
    page(views, res, 'index.njk', { products });
  });

  app.post('/buy', express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 20 }), async (req, res) => {
    const form = (req.body ?? {}) as Record<string, unknown>;
    const product = findProduct(form.productId);
    if (!product) return problemPage(views, res, 400, 'Unknown product', 'We do not sell this product. Please pick one from the shop.');
    const locale = pickLocale(form.locale);
    if (!locale) return problemPage(views, res, 400, 'Unknown language', 'Please choose English or French.');
    const email = typeof form.email === 'string' ? form.email.trim() : '';
    if (email && (email.length > 254 || !EMAIL.test(email))) {
      return problemPage(views, res, 400, 'Please check your email address', 'It does not look like an email address. You can also leave it empty.');
    }

    const reference = newOrderReference();
    try {
      const payment = await gateway.createPayment({
        amount: product.price,
        currency: currency.code,
        reference,
        description: product.name,
        customer: email ? { email, locale } : { locale },
        returnUrl: `${publicUrl}/orders/${reference}`,
        metadata: { productId: product.id },
      });
      orders.add({ reference, paymentId: payment.id, productId: product.id, locale, createdAt: new Date(), lastStatus: payment.status });
      logger.info({ reference, productId: product.id }, 'order created');
      res.redirect(303, payment.checkoutUrl);
    } catch (err) {
      if (!(err instanceof GatewayRequestError)) throw err;
      logGatewayError(logger, err, reference, 'the gateway did not create the payment');
      gatewayErrorPage(views, res, err, 'We could not start the payment');
    }
  });

  app.get('/orders', async (_req, res) => {
    const known = orders.list(ORDERS_LISTED);
    const answers = await Promise.allSettled(known.map((order) => gateway.findPaymentByReference(order.reference)));
    const rows = known.map((order, index) => {
      const answer = answers[index];
      const payment = answer?.status === 'fulfilled' ? answer.value : undefined;
      if (payment) orders.noteStatus(order.reference, payment.status);
      const product = findProduct(order.productId);
      return {
        reference: order.reference,
        productName: product?.name ?? order.productId,
        amountText: payment ? amountOf(payment, price) : product ? price(product.price) : '',
        status: payment?.status ?? 'unknown',
        statusLabel: payment ? statusText(payment.status).label : 'Status unavailable',
        createdAt: order.createdAt.toISOString(),
      };
    });
    res.set('Cache-Control', 'no-store');
    page(views, res, 'orders.njk', { rows });
  });

  app.get('/orders/:reference', async (req, res) => {
    const reference = req.params.reference;
    if (!ORDER_REFERENCE.test(reference)) return problemPage(views, res, 404, 'No such order', 'We have no order with this reference.');
    let payment: GatewayPayment | undefined;
    try {
      payment = await gateway.findPaymentByReference(reference);
    } catch (err) {
      if (!(err instanceof GatewayRequestError)) throw err;
      logGatewayError(logger, err, reference, 'the gateway did not answer about an order');
      return gatewayErrorPage(views, res, err, 'We could not check this order');
    }
    if (!payment) return problemPage(views, res, 404, 'No such order', 'We have no order with this reference.');
    orders.noteStatus(reference, payment.status);

    const productId = orders.get(reference)?.productId ?? payment.metadata?.productId;
    const text = statusText(payment.status);
    res.set('Cache-Control', 'no-store');
    page(views, res, 'order.njk', {
      reference,
      productName: findProduct(productId)?.name ?? payment.description ?? 'Your order',
      amountText: amountOf(payment, price),
      status: payment.status,
      text,
      card: cardOf(payment) ?? null,
      payUrl: canPay(payment.status) && payment.checkoutUrl && isWebUrl(payment.checkoutUrl) ? payment.checkoutUrl : null,
      refresh: payment.status === 'pending' ? 3 : null,
    });
  });

  app.use((_req, res) => problemPage(views, res, 404, 'Page not found', 'There is nothing at this address.'));

  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status >= 500) logger.error({ err: { name: err?.name, message: err?.message } }, 'demo shop request failed');
    if (res.headersSent) return;
    if (status < 500) return problemPage(views, res, status, 'We could not read this request', 'Please go back to the shop and try again.');
    problemPage(views, res, 500, 'Something went wrong', 'Please go back to the shop and try again.');
  };
  app.use(onError);

  return app;
}

function pickLocale(value: unknown): Locale | undefined {
  if (value === undefined || value === '') return 'en';
  return value === 'en' || value === 'fr' ? value : undefined;
}

function amountOf(payment: GatewayPayment, price: (amount: number, currency?: Currency) => string): string {
  const currency = findCurrency(payment.currency);
  return currency ? price(payment.amount, currency) : `${payment.amount} ${payment.currency}`;
}

function page(views: nunjucks.Environment, res: Response, template: string, context: Record<string, unknown>, status = 200): void {
  res.status(status).type('html').send(views.render(template, context));
}

function problemPage(views: nunjucks.Environment, res: Response, status: number, title: string, detail: string): void {
  page(views, res, 'error.njk', { title, detail, fieldErrors: [] }, status);
}

function gatewayErrorPage(views: nunjucks.Environment, res: Response, err: GatewayRequestError, heading: string): void {
  page(views, res, 'error.njk', { heading, title: err.title, detail: err.detail, fieldErrors: err.fieldErrors }, err.status);
}

/** Logs what went wrong without the request (its headers hold the API key). */
function logGatewayError(logger: ShopLogger, err: GatewayRequestError, reference: string, msg: string): void {
  logger.warn({ reference, gatewayStatus: err.gatewayStatus, problemType: err.problemType, title: err.title }, msg);
}
