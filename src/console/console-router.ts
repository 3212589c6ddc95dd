import express, { Router, type RequestHandler } from 'express';
import type { Store } from 'express-rate-limit';
import type nunjucks from 'nunjucks';
import { NotFoundError } from '../core/errors.js';
import { consoleTranslator } from '../i18n/console-messages.js';
import { pickLocale } from '../i18n/locale.js';
import type { Logger } from '../logger.js';
import type { ConsoleUserService } from '../service/console/console-users.js';
import type { SingleSubmission } from '../service/console/single-submission.js';
import type { AuditTrail } from '../service/audit-trail.js';
import type { EventService } from '../service/event-service.js';
import type { PaymentOperations } from '../service/payment-operations.js';
import type { PaymentService } from '../service/payment-service.js';
import { accountRoutes } from './account-routes.js';
import { consoleErrorHandler, renderConsole } from './console-pages.js';
import { paymentsPages } from './payments-pages.js';
import { auditPage } from './audit-page.js';
import { dashboardPage } from './dashboard-page.js';
import { deliveriesPages } from './deliveries-pages.js';
import { paymentActions } from './payment-actions.js';
import { consoleRequestLimits, type ConsoleRequestLimitOptions } from './console-request-limits.js';
import { requireAction, requireSignedIn } from './signed-in-user.js';
import { signInLimits } from './sign-in-limits.js';
import { signInRoutes } from './sign-in-routes.js';
import { usersPages } from './users-pages.js';

export interface ConsoleOptions {
  users: ConsoleUserService;
  service: PaymentService;
  operations: PaymentOperations;
  events: EventService;
  audit: AuditTrail;
  /** Makes a double submit of a redelivery's confirmation (payment page or deliveries page) one redelivery. */
  submissions: SingleSubmission;
  connectors: readonly string[];
  views: nunjucks.Environment;
  /** The console's own session middleware (console-session.ts). */
  session: RequestHandler;
  inactivityMs: number;
  signInLimits: { perAccount: number; perIp: number; windowMs: number; counters?: (limiter: 'console-account' | 'console-ip') => Store };
  /** Every console request, per client IP and per signed-in user (beside the failed sign-ins' own limits). */
  requestLimits: ConsoleRequestLimitOptions;
  clock: () => Date;
  logger: Logger;
}

/**
 * The merchant console under /console: its own session and CSRF tokens, sign-in with failed attempts
 * limited, every request limited per IP and per user, every page behind the signed-in check and each
 * action behind its role.
 */
export function consoleRouter(options: ConsoleOptions): Router {
  const { users, views, logger, clock } = options;
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 20 });
  const requestLimits = consoleRequestLimits(options.requestLimits);
  // Counted before the session is read: a flood from one address costs no store round trip.
  router.use('/console', requestLimits.perIp);
  router.use('/console', options.session);
  router.use(
    signInRoutes({
      users,
      views,
      form,
      limits: signInLimits({
        ...options.signInLimits,
        onLimited: (req, res) => {
          renderConsole(views, req, res, 'sign-in.njk', { error: consoleTranslator(pickLocale(req))('console.sign_in.rate_limited') }, 429);
        },
      }),
      clock,
      logger,
    }),
  );
  const signedIn = Router();
  // Mounted at the root (its routes name their whole path): anything outside /console passes by.
  signedIn.use((req, _res, next) => (req.path === '/console' || req.path.startsWith('/console/') ? next() : next('router')));
  signedIn.use(requireSignedIn(users, options.inactivityMs, clock));
  signedIn.use(requestLimits.perUser);
  signedIn.get('/console', requireAction('payments.read'), dashboardPage({ service: options.service, views, clock }));
  signedIn.use(accountRoutes({ users, views, form, logger }));
  signedIn.get('/console/audit', requireAction('audit.read'), auditPage({ audit: options.audit, views }));
  signedIn.use(paymentsPages({ service: options.service, events: options.events, connectors: options.connectors, views, logger }));
  signedIn.use(paymentActions({ service: options.service, operations: options.operations, events: options.events, audit: options.audit, submissions: options.submissions, views, form, logger }));
  signedIn.use(deliveriesPages({ events: options.events, audit: options.audit, submissions: options.submissions, views, form, logger }));
  signedIn.use(usersPages({ users, audit: options.audit, views, form, logger }));
  signedIn.use((_req, _res, next) => next(new NotFoundError()));
  router.use(signedIn);
  router.use('/console', consoleErrorHandler(views, logger));
  return router;
}
