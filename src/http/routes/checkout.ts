import { Router, type Request, type RequestHandler, type Response } from 'express';
import express from 'express';
import type nunjucks from 'nunjucks';
import { GatewayError, NotFoundError } from '../../core/errors.js';
import { findCurrency, formatAmount } from '../../core/money.js';
import { currentAttempt, isOpen, type CheckoutMode, type Payment } from '../../core/payment.js';
import { dateTimeText, minutesLeft } from '../../i18n/buyer-dates.js';
import { cardBrandLabel } from '../../i18n/card-brands.js';
import { pickLocale } from '../../i18n/locale.js';
import { intlLocale } from '../../i18n/messages.js';
import type { Logger } from '../../logger.js';
import type { PaymentService } from '../../service/payment-service.js';
import type { ConnectorRegistry } from '../../connectors/registry.js';
import { cardDataGuard } from '../middleware/card-data-guard.js';
import { startJourney } from '../buyer-journey.js';
import { CSRF_FIELD, csrfToken, verifyCsrf } from '../middleware/csrf.js';
import { renderPage } from '../pages.js';
import { GATEWAY_ROUTES, type GatewayUrls } from '../gateway-urls.js';

export interface CheckoutOptions {
  service: PaymentService;
  connectors: ConnectorRegistry;
  views: nunjucks.Environment;
  session: RequestHandler;
  merchantName: string;
  /** IANA zone the pages write times in. */
  timeZone: string;
  /** The gateway's CHECKOUT_MODE, for payments that did not choose. */
  checkoutMode: CheckoutMode;
  /** Where the merchant's logo is served, when one is configured. */
  logoUrl: string | null;
  /** The stylesheet carrying the merchant's accent colour. */
  themeUrl: string;
  urls: GatewayUrls;
  logger: Logger;
  clock?: () => Date;
}

function save(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
}

const PAYMENT_ID = /^pay_[A-Za-z0-9_-]{22}$/;

/** Where "Back to the shop" ends: the merchant's cancelUrl, else the returnUrl (allow-listed both). */
function shopUrlOf(payment: Payment): string | null {
  return payment.cancelUrl ?? payment.returnUrl;
}

function amountText(payment: Payment, locale: 'en' | 'fr'): string {
  const currency = findCurrency(payment.currency);
  return currency ? formatAmount(payment.amount, currency, intlLocale(locale)) : `${payment.amount} ${payment.currency}`;
}

/**
 * The buyer's pages. The payment id in the URL is the capability; once the payment is final the
 * page shows only its outcome.
 */
export function checkoutRoutes(options: CheckoutOptions): Router {
  const { service, connectors, views, session, merchantName, urls, timeZone } = options;
  const clock = options.clock ?? (() => new Date());
  const branding = { merchantName, logoUrl: options.logoUrl, themeUrl: options.themeUrl };
  const router = Router();
  // Buyer forms have no business carrying card data: every field is checked.
  const form: RequestHandler[] = [
    express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 }),
    cardDataGuard(() => true, (finding) => options.logger.warn(finding, 'buyer request with card data refused')),
  ];

  const load = async (id: string): Promise<Payment> => {
    if (!PAYMENT_ID.test(id)) throw new NotFoundError();
    return service.get(id);
  };

  // Pay's payment is asked for before its session is read, so that on Redis the two reads are waited
  // for at once rather than one after the other (the sessions have a connection of their own, so
  // they are two round trips side by side, not one). The handler runs only past the session and CSRF
  // checks; a request refused by them has cost one read. startAttempt compares versions, so a copy
  // that changed meanwhile is read again there, not acted on.
  const PREFETCHED = Symbol('payment read ahead');
  type Prefetched = Request & { [PREFETCHED]?: Promise<Payment> };
  const readAhead: RequestHandler = (req, _res, next) => {
    const read = load(String(req.params.id));
    // Awaited by the handler, or dropped with the request: never an unhandled rejection.
    read.catch(() => undefined);
    (req as Prefetched)[PREFETCHED] = read;
    next();
  };
  const readAheadOf = (req: Request): Promise<Payment> => (req as Prefetched)[PREFETCHED] ?? load(String(req.params.id));

  router.get(GATEWAY_ROUTES.checkout, session, async (req, res) => {
    const payment = await load(String(req.params.id));
    // A final payment shows only its outcome. A pending one keeps its Pay button: a buyer back from the
    // bank's page by the Back button goes back to the same attempt.
    if (!isOpen(payment.status)) return res.redirect(303, urls.result(payment.id));
    // The payment journey starts here with a session id of our own making and a fresh CSRF token: a
    // session fixed beforehand by someone else is dropped. Doing it here rather than on "Pay" keeps
    // a double click (two POSTs with the same cookie) inside one session, and doing it only when the
    // session has no journey for this payment keeps a second tab's token alive.
    await startJourney(req, payment.id);
    const token = csrfToken(req);
    // Stored before the page is sent, so that a session store failing now is a "try again" page, not
    // a Pay button whose token was never kept (express-session would save only after the page went out).
    await save(req);
    const locale = pickLocale(req, payment);
    res.set('Cache-Control', 'no-store');
    // Direct mode sends the page's own POST form from a script: a link preview or a prefetch (a GET
    // that runs no script) never opens an attempt. Only on a payment no attempt was made for yet, so a
    // buyer back from the bank (Back button) or after a refusal chooses again.
    const direct = (payment.checkout ?? options.checkoutMode) === 'direct' && payment.status === 'created';
    renderPage(views, res, 'checkout.njk', locale, {
      ...branding,
      payment,
      amount: amountText(payment, locale),
      direct,
      expiresAt: payment.expiresAt,
      expiresText: dateTimeText(payment.expiresAt, locale, timeZone),
      minutesLeft: minutesLeft(payment.expiresAt, clock()),
      cancelUrl: shopUrlOf(payment),
      // Told of: the link goes through the gateway, which records the event and sends the buyer on.
      backUrl: payment.notifyCheckoutAbandoned ? urls.backToShop(payment.id) : shopUrlOf(payment),
      previousRefused: payment.status === 'failed',
      previousNotice: currentAttempt(payment)?.refusedOrCancelled ? 'checkout.previous_not_completed' : 'checkout.previous_refused',
      csrfField: CSRF_FIELD,
      csrfToken: token,
    });
  });

  router.post(GATEWAY_ROUTES.pay, readAhead, session, ...form, verifyCsrf, async (req: Request, res: Response) => {
    const payment = await readAheadOf(req);
    if (!isOpen(payment.status)) return res.redirect(303, urls.result(payment.id));
    const connector = connectors.get(payment.connector);
    const { attempt, payment: current } = await service.startAttempt(payment.id, connector.name, payment);
    if (!attempt) throw new GatewayError('internal', 'no attempt was started');

    const locale = pickLocale(req, current);
    const redirect = await connector.buildRequest({
      payment: current,
      attempt,
      locale,
      returnUrl: urls.bankReturn(connector.name),
      notifyUrl: urls.bankNotify(connector.name),
    });
    options.logger.info({ attempt: attempt.ref, connector: connector.name }, 'buyer sent to the bank');
    res.set('Cache-Control', 'no-store');
    if (redirect.method === 'GET') {
      // A hosted page reached by a plain link (Stripe Checkout): a GET form would drop the URL's query
      // and fragment, so answer a 303. Only ever to the connector's own origin: never an open redirect.
      if (new URL(redirect.url).origin !== connector.bankOrigin) throw new GatewayError('internal', 'the bank redirect left the bank origin');
      return res.redirect(303, redirect.url);
    }
    renderPage(views, res, 'redirect.njk', locale, { redirect, themeUrl: options.themeUrl });
  });

  /**
   * "Back to the shop" for a merchant who asked to be told: a plain link (a form's redirect to the
   * shop would need the shop in the page's form-action), so it must be harmless as a bare GET. It
   * records payment.checkout_abandoned at most once per payment, whoever follows it however often,
   * changes nothing else (the payment stays payable), and always ends at the shop. A HEAD (a link
   * checker) records nothing.
   */
  router.get(GATEWAY_ROUTES.backToShop, async (req, res) => {
    const payment = await load(String(req.params.id));
    const shop = shopUrlOf(payment);
    res.set('Cache-Control', 'no-store');
    if (req.method === 'GET' && payment.notifyCheckoutAbandoned && isOpen(payment.status) && payment.checkoutAbandonedAt === undefined) {
      await service.abandonCheckout(payment.id, payment);
    }
    res.redirect(303, shop ?? urls.checkout(payment.id));
  });

  router.get(GATEWAY_ROUTES.result, session, async (req, res) => {
    const payment = await load(String(req.params.id));
    const locale = pickLocale(req, payment);
    const attempt = currentAttempt(payment);
    res.set('Cache-Control', 'no-store');
    const card = payment.status === 'succeeded' ? (attempt?.card ?? null) : null;
    // A refusal the bank's protocol cannot tell from the buyer's own cancellation is not called a refusal.
    const heading = payment.status === 'failed' && attempt?.refusedOrCancelled ? 'not_completed' : payment.status;
    renderPage(views, res, 'result.njk', locale, {
      ...branding,
      status: payment.status,
      heading,
      amount: amountText(payment, locale),
      reference: payment.reference,
      card: card ? { brand: cardBrandLabel(card.brand), last4: card.last4 } : null,
      date: payment.status === 'created' || payment.status === 'pending' ? null : dateTimeText(payment.updatedAt, locale, timeZone),
      returnUrl: payment.returnUrl,
      canRetry: payment.status === 'failed',
      checkoutUrl: urls.checkout(payment.id),
      refresh: payment.status === 'pending' || payment.status === 'created' ? 2 : 0,
      csrfField: CSRF_FIELD,
      csrfToken: payment.status === 'failed' ? csrfToken(req) : null,
      payUrl: urls.pay(payment.id),
    });
  });

  return router;
}
