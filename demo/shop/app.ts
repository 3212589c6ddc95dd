import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import express, { type ErrorRequestHandler, type Request, type Response } from 'express';
import helmet from 'helmet';
import type nunjucks from 'nunjucks';
import { findCurrency, formatAmount, type Currency, type Locale, useViews } from '../../src/index.js';
import { ActionTokens } from './action-tokens.js';
import { flagText } from './anomaly-texts.js';
import { GatewayClient, GatewayRequestError, isWebUrl, type GatewayPayment } from './gateway-client.js';
import { merchantActions } from './merchant-actions.js';
import { isFinal, newOrderReference, ORDER_REFERENCE, OrderBook, tookMoney, type Order } from './order-book.js';
import { awaitsConfirmation, canPay, cardOf, cardText, orderStateText, statusText, waitingText } from './order-status.js';
import { findProduct, PRODUCTS, type Product } from './products.js';
import { dateForPeople } from './shop-dates.js';
import { fill, problemText, shopTexts } from './shop-texts.js';
import { webhookEndpoint } from './webhooks.js';

/** The shop's own templates and stylesheet, beside its code. */
const VIEWS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'views');

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
  /**
   * The gateway's webhook secret (MERCHANT_WEBHOOK_SECRET). Without it the shop still verifies every
   * webhook with the gateway's public keys (`{gatewayUrl}/.well-known/jwks.json`) and holds no secret;
   * with it, a valid `Hpp-Signature` (HMAC) is accepted too.
   */
  webhookSecret?: string;
  /** While this answers false, `POST /webhooks` answers 503 (to show the gateway retrying). Default: always available. */
  webhookAvailable?: () => boolean;
  /**
   * Bank protocols the gateway is configured with (e.g. native, sips, lyra, monetico): the buyer may
   * pick one, sent as the payment's `connector`. Without it the gateway's default is used.
   */
  connectors?: readonly string[];
  /** The merchant's time zone (MERCHANT_TIME_ZONE) the shop's dates are written in. Default UTC. */
  timeZone?: string;
}

const ORDERS_LISTED = 50;
/** Seconds between reloads of an order page that waits for the bank or for the webhook. */
const WAITING_REFRESH = 3;
const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const silent: ShopLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * A tiny shop that pays through the gateway like any merchant would: it creates a payment over the
 * merchant API, sends the buyer to the gateway's checkout page, and marks the order paid when the
 * gateway's signed webhook says so (`POST /webhooks`), never because the buyer came back. The order
 * page also shows what the gateway's API says, as a second opinion. Orders live in memory.
 */
export function createDemoShop(options: DemoShopOptions): express.Express {
  const publicUrl = options.publicUrl.replace(/\/+$/, '');
  const currency = findCurrency(options.currency ?? 'EUR');
  if (!currency) throw new Error(`demo shop: unknown currency ${JSON.stringify(options.currency)}`);
  const gatewayOrigin = new URL(options.gatewayUrl).origin;
  const logger = options.logger ?? silent;
  const gateway = new GatewayClient({ gatewayUrl: options.gatewayUrl, apiKey: options.apiKey, ...(options.gatewayTimeoutMs ? { timeoutMs: options.gatewayTimeoutMs } : {}) });
  const orders = new OrderBook();
  const tokens = new ActionTokens();
  const jwksUrl = new URL('/.well-known/jwks.json', options.gatewayUrl);
  const stylesheet = readFileSync(path.join(VIEWS_DIR, 'shop.css'));

  const app = express();
  app.disable('x-powered-by');
  const views = useViews(app, VIEWS_DIR);
  const timeZone = options.timeZone ?? 'UTC';
  const priceIn = (locale: Locale) => (amount: number, of: Currency = currency) => formatAmount(amount, of, locale);

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

  app.use(webhookEndpoint({ orders, jwksUrl, secret: options.webhookSecret, available: options.webhookAvailable ?? (() => true), logger }));

  app.get('/shop.css', (_req, res) => {
    res.type('css').set('Cache-Control', 'public, max-age=3600').send(stylesheet);
  });

  app.get('/', (req, res) => {
    const locale = buyerLocale(req);
    const price = priceIn(locale);
    const t = shopTexts(locale);
    const products = PRODUCTS.map((p) => {
      const { name, description } = productText(p, locale);
      return { id: p.id, name, description, priceText: price(p.price), buyText: fill(t.buy, { name }) };
    });
    page(views, res, 'index.njk', { products, connectors: options.connectors ?? [], locale });
  });

  app.post('/buy', express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 20 }), async (req, res) => {
    const form = (req.body ?? {}) as Record<string, unknown>;
    const product = findProduct(form.productId);
    if (!product) return problemPage(views, res, 400, 'Unknown product', 'We do not sell this product. Please pick one from the shop.');
    const locale = pickLocale(form.locale);
    if (!locale) return problemPage(views, res, 400, 'Unknown language', 'Please choose English or French.');
    const connector = typeof form.connector === 'string' && form.connector !== '' ? form.connector : undefined;
    if (connector !== undefined && !(options.connectors ?? []).includes(connector)) {
      return problemPage(views, res, 400, 'Unknown bank', 'Please pick one of the banks offered.');
    }
    // "Pay now, ship later": the bank reserves the money, the shop captures it with "Ship".
    const capture = form.capture === undefined || form.capture === '' || form.capture === 'automatic' ? 'automatic' : form.capture === 'manual' ? 'manual' : undefined;
    if (!capture) return problemPage(views, res, 400, 'Unknown payment option', 'Please choose to pay now, or to pay now and ship later.');
    const email = typeof form.email === 'string' ? form.email.trim() : '';
    if (email && (email.length > 254 || !EMAIL.test(email))) {
      return problemPage(views, res, 400, 'Please check your email address', 'It does not look like an email address. You can also leave it empty.');
    }

    const reference = newOrderReference();
    // In the book before the gateway is asked: its first webhook can arrive before its answer does.
    orders.add({ reference, productId: product.id, locale, amount: product.price, currency: currency.code, capture });
    try {
      const payment = await gateway.createPayment({
        amount: product.price,
        currency: currency.code,
        reference,
        description: product.name,
        customer: email ? { email, locale } : { locale },
        returnUrl: `${publicUrl}/orders/${reference}`,
        metadata: { productId: product.id },
        ...(connector ? { connector } : {}),
        ...(capture === 'manual' ? { capture } : {}),
      });
      orders.setPaymentId(reference, payment.id);
      logger.info({ reference, productId: product.id }, 'order created');
      res.redirect(303, payment.checkoutUrl);
    } catch (err) {
      orders.remove(reference);
      if (!(err instanceof GatewayRequestError)) throw err;
      logGatewayError(logger, err, reference, 'the gateway did not create the payment');
      gatewayErrorPage(views, res, err, 'We could not start the payment');
    }
  });

  app.get('/orders', (req, res) => {
    const locale = buyerLocale(req);
    const price = priceIn(locale);
    const rows = orders.list(ORDERS_LISTED).map((order) => ({
      reference: order.reference,
      productName: productName(order.productId, locale),
      amountText: orderAmount(order, price),
      state: order.state,
      // Each order's state reads in the language its buyer chose.
      stateLabel: orderStateText(order.state, order.locale).label,
      flagged: order.flags.length > 0,
      created: dateForPeople(order.createdAt, locale, timeZone),
    }));
    res.set('Cache-Control', 'no-store');
    page(views, res, 'orders.njk', { rows, locale });
  });

  app.get('/orders/:reference', async (req, res) => {
    const reference = req.params.reference;
    if (!ORDER_REFERENCE.test(reference)) return problemPage(views, res, 404, 'No such order', 'We have no order with this reference.');
    const order = orders.get(reference);
    // The language the buyer chose when buying, else the browser's.
    const locale = order?.locale ?? buyerLocale(req);
    const price = priceIn(locale);

    // The gateway's view, as a second opinion: the order itself moves only on the webhook.
    let payment: GatewayPayment | undefined;
    try {
      payment = await gateway.findPaymentByReference(reference);
    } catch (err) {
      if (!(err instanceof GatewayRequestError)) throw err;
      logGatewayError(logger, err, reference, 'the gateway did not answer about an order');
      // The shop's own record still stands; without it there is nothing to show.
      if (!order) return gatewayErrorPage(views, res, err, 'We could not check this order');
    }
    res.set('Cache-Control', 'no-store');

    if (!order) {
      // Not created by this shop, or forgotten (the book is in memory): say what the gateway knows.
      if (!payment) return problemPage(views, res, 404, 'No such order', 'We have no order with this reference.');
      const notOnRecord = locale === 'fr'
        ? { label: 'Inconnue', heading: 'La boutique n’a pas trace de cette commande', message: 'La boutique garde ses commandes en mémoire et a peut-être redémarré depuis. Voici ce qu’en dit le service de paiement.' }
        : { label: 'Not on record', heading: 'This shop has no record of this order', message: 'The shop keeps its orders in memory and may have been restarted since. Here is what the payment service says about it.' };
      return page(views, res, 'order.njk', {
        locale,
        reference,
        state: 'unknown',
        text: { ...notOnRecord, tone: 'neutral' },
        stateLabel: notOnRecord.label,
        productName: findProduct(payment.metadata?.productId) ? productName(payment.metadata!.productId!, locale) : (payment.description ?? (locale === 'fr' ? 'Votre commande' : 'Your order')),
        amountText: amountOf(payment, price),
        gatewayStatus: payment.status,
        gatewayLabel: statusText(payment.status, locale).label,
        card: cardOf(payment) ?? null,
        flags: [],
        waiting: false,
        payUrl: null,
        refresh: null,
      });
    }

    const gatewayStatus = payment?.status;
    const waiting = awaitsConfirmation(order.state, gatewayStatus);
    const checkoutUrl = payment?.checkoutUrl;
    const orderCurrency = findCurrency(order.currency);
    const money = (amount: number) => (orderCurrency ? price(amount, orderCurrency) : `${amount} ${order.currency}`);
    // Ship while the money is only reserved (the shop's word or the gateway's); refund once it was taken.
    const canShip = order.capture === 'manual' && (order.state === 'authorized' || gatewayStatus === 'authorized');
    const refundable = Math.max(0, order.amountCaptured - order.refunds.reduce((sum, r) => (r.status === 'failed' ? sum : sum + r.amount), 0));
    const canRefund = tookMoney(order.state) && refundable > 0;
    const done = req.query.done === 'ship' || req.query.done === 'refund' ? req.query.done : null;
    page(views, res, 'order.njk', {
      locale,
      reference,
      state: order.state,
      text: waiting && gatewayStatus ? waitingText(gatewayStatus, locale) : orderStateText(order.state, locale),
      stateLabel: orderStateText(order.state, locale).label,
      capture: order.capture,
      amountCapturedText: order.amountCaptured > 0 || order.capture === 'manual' ? money(order.amountCaptured) : null,
      amountRefundedText: order.amountRefunded > 0 || order.refunds.length > 0 ? money(order.amountRefunded) : null,
      refunds: order.refunds.map((r) => ({ id: r.id, amountText: money(r.amount), status: r.status, reason: r.reason, failureReason: r.failureReason })),
      gatewayMoney: payment && (payment.amountCaptured !== undefined || payment.amountRefunded !== undefined)
        ? { captured: money(payment.amountCaptured ?? 0), refunded: money(payment.amountRefunded ?? 0) }
        : null,
      shipToken: canShip ? tokens.issue(reference, 'ship') : null,
      refundToken: canRefund ? tokens.issue(reference, 'refund') : null,
      refundableText: canRefund ? money(refundable) : null,
      done,
      productName: productName(order.productId, locale),
      amountText: orderAmount(order, price),
      gatewayStatus: gatewayStatus ?? null,
      gatewayLabel: gatewayStatus ? statusText(gatewayStatus, locale).label : null,
      card: order.card ? cardText(order.card) : null,
      paidAt: order.paidAt ? dateForPeople(order.paidAt, locale, timeZone) : null,
      flags: order.flags.map((flag) => ({ code: flag, text: flagText(flag, locale) })),
      waiting,
      payUrl: !isFinal(order.state) && payment && canPay(payment.status) && checkoutUrl && isWebUrl(checkoutUrl) ? checkoutUrl : null,
      retry: order.state === 'payment_failed' || gatewayStatus === 'failed',
      refresh: waiting ? WAITING_REFRESH : null,
    });
  });

  app.use(
    merchantActions({
      orders,
      gateway,
      tokens,
      logger,
      problem: (res, status, title, detail) => problemPage(views, res, status, title, detail),
      gatewayProblem: (res, err, heading) => refusalPage(views, res, err, heading),
    }),
  );

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

/** The buyer's browser language, like the gateway's pages: French when it prefers French, else English. */
function buyerLocale(req: Request): Locale {
  return req.acceptsLanguages('en', 'fr') === 'fr' ? 'fr' : 'en';
}

function productText(product: Product, locale: Locale): { name: string; description: string } {
  return locale === 'fr' ? product.fr : { name: product.name, description: product.description };
}

function productName(productId: string, locale: Locale): string {
  const product = findProduct(productId);
  return product ? productText(product, locale).name : productId;
}

function pickLocale(value: unknown): Locale | undefined {
  if (value === undefined || value === '') return 'en';
  return value === 'en' || value === 'fr' ? value : undefined;
}

function orderAmount(order: Order, price: (amount: number, currency?: Currency) => string): string {
  const currency = findCurrency(order.currency);
  return currency ? price(order.amount, currency) : `${order.amount} ${order.currency}`;
}

function amountOf(payment: GatewayPayment, price: (amount: number, currency?: Currency) => string): string {
  const currency = findCurrency(payment.currency);
  return currency ? price(payment.amount, currency) : `${payment.amount} ${payment.currency}`;
}

/** Renders a page in the language of `context.locale`, else the buyer's browser's. */
function page(views: nunjucks.Environment, res: Response, template: string, context: Record<string, unknown>, status = 200): void {
  const locale = (context.locale as Locale | undefined) ?? buyerLocale(res.req);
  const t = shopTexts(locale);
  // Error pages: the shop's own titles and details in the buyer's language.
  const translated = template === 'error.njk' ? { title: problemText(locale, String(context.title ?? '')), detail: problemText(locale, String(context.detail ?? '')) } : {};
  res.status(status).type('html').send(views.render(template, { ...context, ...translated, t, fill }));
}

function problemPage(views: nunjucks.Environment, res: Response, status: number, title: string, detail: string): void {
  page(views, res, 'error.njk', { title, detail, fieldErrors: [] }, status);
}

function gatewayErrorPage(views: nunjucks.Environment, res: Response, err: GatewayRequestError, heading: string): void {
  page(views, res, 'error.njk', { heading, title: err.title, detail: err.detail, fieldErrors: err.fieldErrors }, err.status);
}

/** A refused capture or refund (wrong state, amount above what is left) keeps the gateway's 409 or 422. */
function refusalPage(views: nunjucks.Environment, res: Response, err: GatewayRequestError, heading: string): void {
  const status = err.gatewayStatus === 409 || err.gatewayStatus === 422 ? err.gatewayStatus : err.status;
  page(views, res, 'error.njk', { heading, title: err.title, detail: err.detail, fieldErrors: err.fieldErrors }, status);
}

/** Logs what went wrong without the request (its headers hold the API key). */
function logGatewayError(logger: ShopLogger, err: GatewayRequestError, reference: string, msg: string): void {
  logger.warn({ reference, gatewayStatus: err.gatewayStatus, problemType: err.problemType, title: err.title }, msg);
}
