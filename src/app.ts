import path from 'node:path';
import express, { Router, type Express } from 'express';
import session from 'express-session';
import type { BankConnector } from './connectors/bank-connector.js';
import type { ConnectorDeps } from './connectors/connector-module.js';
import { createConnectors } from './connectors/modules.js';
import { ConnectorRegistry } from './connectors/registry.js';
import type { GatewayConfig } from './config.js';
import { NotFoundError } from './core/errors.js';
import { apiKeyAuth } from './http/middleware/api-key-auth.js';
import { cardDataGuard, isMerchantFreeText } from './http/middleware/card-data-guard.js';
import { jsonBody } from './http/middleware/json-body.js';
import { securityHeaders } from './http/middleware/security-headers.js';
import { redisSessionStore } from './http/session-store.js';
import { mintSessionId } from './http/session-id.js';
import { requireBankClientCertificate, webhookAgent } from './http/tls.js';
import { rateLimits } from './http/middleware/rate-limits.js';
import { RedisRateLimitStore } from './store/redis-rate-limit-store.js';
import { pageErrorHandler } from './http/pages.js';
import { apiErrorHandler } from './http/problem.js';
import { bankCallbackRoutes } from './http/routes/bank-callbacks.js';
import { checkoutRoutes } from './http/routes/checkout.js';
import { pathsOnly } from './http/middleware/paths-only.js';
import { BRANDING_ROUTES, merchantBrandingRoutes } from './http/routes/merchant-branding.js';
import { paymentsApi } from './http/routes/payments-api.js';
import { wellKnownRoutes } from './http/routes/well-known.js';
import { preloadViews, useViews, VIEWS_ROOT } from './http/views.js';
import { GatewayKeystore } from './keys/keystore.js';
import { createLogger, type Logger } from './logger.js';
import { ExpirySweeper } from './service/expiry-sweeper.js';
import { Reconciler } from './service/reconciler.js';
import { PaymentService } from './service/payment-service.js';
import { PaymentOperations } from './service/payment-operations.js';
import { createPaymentStore } from './store/create-store.js';
import { openRedis, redisTargetOf } from './store/redis-connection.js';
import { consoleSessionKeyPrefix, rateLimitKeyPrefix, sessionKeyPrefix } from './store/redis-key-space.js';
import type { GatewayStore } from './store/gateway-store.js';
import type { EventTargets } from './store/outbox.js';
import { createNotifications, merchantSilence, notificationChannels, type Notifications } from './notify/notifications.js';
import { eventsApi } from './http/routes/events-api.js';
import { GATEWAY_ROUTES, gatewayUrls } from './http/gateway-urls.js';
import { EventService } from './service/event-service.js';
import { GatewayMetrics } from './metrics/gateway-metrics.js';
import { meteredStore } from './metrics/metered-store.js';
import { meteredConnector } from './metrics/metered-connector.js';
import { meteredChannels } from './metrics/metered-channels.js';
import { requestIds } from './http/middleware/request-id.js';
import { requestMetrics } from './http/middleware/request-metrics.js';
import { operationsRoutes } from './http/routes/operations.js';
import { openApiRoutes } from './http/routes/openapi.js';
import { loadOpenApiJson } from './http/openapi-document.js';
import { consoleRouter } from './console/console-router.js';
import { SingleSubmission } from './service/console/single-submission.js';
import type { ConsoleRequestLimiter } from './console/console-request-limits.js';
import { consoleSession } from './console/console-session.js';
import { ConsoleUserService } from './service/console/console-users.js';
import type { ConsoleUserStore } from './store/console-user-store.js';
import { MemoryConsoleUserStore } from './store/memory-console-user-store.js';
import { RedisConsoleUserStore } from './store/redis-console-user-store.js';
import { AuditTrail } from './service/audit-trail.js';
import { apiAudit } from './http/middleware/api-audit.js';

/** Everything the gateway is built from; each part can be handed in (tests, a shop mounting the gateway). */
export interface GatewayDeps {
  /**
   * Builds the store to run on (default: on REDIS_URL, or in memory) for the outbox targets of the
   * configured notification channels, which it must queue every event for (checked at start), and
   * the audit targets among them and the choice of each payment event's targets (the channels that
   * send audit events, and those with something to send for an event; a store queueing every event
   * for all targets still works, the others settling them without a try).
   */
  store?: (outboxTargets: string[], auditTargets: string[], eventTargets: EventTargets) => GatewayStore;
  keystore?: GatewayKeystore;
  connectors?: BankConnector[];
  logger?: Logger;
  clock?: () => Date;
  sessionStore?: session.Store;
  /** Where the console's sessions live (default: Redis under `{prefix}console-sess:`, or in memory). */
  consoleSessionStore?: session.Store;
  /** Console users (default: on the gateway's Redis, or in memory). */
  consoleUsers?: ConsoleUserStore;
  /**
   * The longest pause of the expiry sweeper (it wakes sooner when a payment falls due sooner, and
   * goes on at once after a full batch); 0 turns the sweeper off.
   */
  expirySweepMs?: number;
  /**
   * The longest pause of the reconciliation job (it wakes sooner when a payment's ask falls due
   * sooner, and goes on at once after a full batch); 0 turns it off.
   */
  reconcileMs?: number;
  /** Start the in-process delivery worker (default: config.notifications.inProcessWorker). */
  deliveryWorker?: boolean;
  /** TLS client settings for outgoing webhooks (mutual TLS). */
  webhookHttpsAgent?: unknown;
}

export interface GatewayHandle {
  service: PaymentService;
  /** Capture, void, refund and sync: money after the payment, through the bank's operations. */
  operations: PaymentOperations;
  store: GatewayStore;
  notifications: Notifications;
  keystore: GatewayKeystore;
  connectors: ConnectorRegistry;
  logger: Logger;
  /** This gateway's own Prometheus registry (served at /metrics). */
  metrics: GatewayMetrics;
  /** The merchant console's users (the demo adds its admin here). */
  consoleUsers: ConsoleUserService;
  /** Who did what: console actions and API operations. */
  audit: AuditTrail;
  close(): Promise<void>;
}

/** An Express app (mount it, or listen on it) that also carries its parts and a close(). */
export type GatewayApp = Express & { gateway: GatewayHandle };

/** Builds the connector of every bank the configuration names; a gateway needs at least one. */
async function configuredConnectors(config: GatewayConfig, deps: ConnectorDeps): Promise<BankConnector[]> {
  const built = await createConnectors(config.connectors, deps);
  if (built.length === 0) throw new Error('no bank is configured: set BANK_ID, BANK_MERCHANT_ID, BANK_PAYMENT_URL and BANK_JWKS_URL, or another connector (docs/connectors.md)');
  return built;
}

/**
 * Builds the gateway. Keys, bank keys and templates are loaded here, once; nothing on a request path
 * reads a file.
 */
// The longest wait between two asks about one payment: a bank that has not known for hours is asked
// a few times a day, not every RECONCILE_AFTER.
const RECONCILE_MAX_DELAY_MS = 6 * 3600_000;

export async function createGateway(config: GatewayConfig, deps: GatewayDeps = {}): Promise<GatewayApp> {
  const logger = deps.logger ?? createLogger(config.logLevel, undefined, { format: config.logFormat });
  // Read on scrape only, by when the store below exists.
  const metrics = new GatewayMetrics({ outboxPending: () => store.outbox.pendingCount() });
  const urls = gatewayUrls(config.publicUrl);
  const keystore = deps.keystore ?? (config.keysFile ? await GatewayKeystore.fromFile(config.keysFile) : await GatewayKeystore.ephemeral(config.signingAlgorithm));
  if (!deps.keystore && !config.keysFile) logger.warn('using a signing key generated at start (set GATEWAY_KEYS_FILE, made with `npm run keys`, to keep keys across restarts)');
  const webhookHttpsAgent = deps.webhookHttpsAgent ?? (await webhookAgent(config));
  // The channels name the outbox targets, and the store is built for exactly those.
  const channels = meteredChannels(notificationChannels(config, {
    keystore,
    logger,
    checkoutUrl: urls.checkout,
    consoleUrl: urls.consolePayment,
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...(webhookHttpsAgent ? { httpsAgent: webhookHttpsAgent } : {}),
  }), (result) => metrics.webhookDelivery(result));
  const redisTarget = redisTargetOf(config);
  const store = meteredStore(
    deps.store ? deps.store(channels.targets, channels.auditTargets, channels.eventTargets) : createPaymentStore({ ...(redisTarget ? { redis: redisTarget } : {}), prefix: config.redisPrefix, outboxTargets: channels.targets, auditTargets: channels.auditTargets, eventTargets: channels.eventTargets, logger, replicaAck: config.redisReplicaAck, onUnconfirmedWrite: (cause) => metrics.unconfirmedWrite(cause) }),
    (connector, status) => metrics.paymentStatus(connector, status),
  );
  if (store.kind === 'memory' && !deps.store) {
    logger.warn('payments are kept in process memory: fine for development, lost on restart and not shared between instances; set REDIS_URL for production');
  }
  const connectorDeps: ConnectorDeps = {
    keystore,
    logger,
    services: { nextSequence: (scope, ttl) => store.nextSequence(scope, ttl), rememberOnce: (key, value, ttl) => store.rememberOnce(key, value, ttl) },
    ...(deps.clock ? { clock: deps.clock } : {}),
  };
  const connectors = new ConnectorRegistry(
    (deps.connectors ?? (await configuredConnectors(config, connectorDeps))).map((c) => meteredConnector(c, (name, operation, result) => metrics.bankOperation(name, operation, result))),
    config.defaultConnector,
  );
  const silence = merchantSilence(config);
  if (silence) logger.warn(silence);
  const notifications = createNotifications(config, { channels, store, logger, ...(deps.clock ? { clock: deps.clock } : {}) });
  const service = new PaymentService(store, {
    connectors,
    ttlMs: config.paymentTtlMs,
    attemptReuseMs: config.attemptReuseMs,
    // Each committed change has events in the outbox: wake the worker instead of waiting for its next poll.
    onChange: () => notifications.worker.poke(),
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  // The store's own audit log: an operation's entry is appended by the write that carries it out.
  const audit = new AuditTrail(store.auditLog, logger, deps.clock);
  const operations = new PaymentOperations(service, store, { connectors, logger, audit, ...(deps.clock ? { clock: deps.clock } : {}) });
  // Redeliveries keep the system clock, as the outbox's own stamps do.
  const events = new EventService(store.outbox, { onRedeliver: () => notifications.worker.poke() });

  // One connection for buyer sessions and rate-limit counters; the payment store has its own.
  const redis = redisTarget ? openRedis(redisTarget, { name: 'sessions', logger }) : undefined;
  const sessionStore = deps.sessionStore ?? (redis ? redisSessionStore(redis, sessionKeyPrefix(config.redisPrefix), { touch: false }) : undefined);
  const limits = rateLimits({
    apiPerMinute: config.rateLimits.apiPerMinute,
    buyerPerMinute: config.rateLimits.buyerPerMinute,
    ...(redis ? { counters: (limiter: 'api' | 'buyer') => new RedisRateLimitStore(redis, rateLimitKeyPrefix(config.redisPrefix, limiter)) } : {}),
  });
  const consoleUsers = new ConsoleUserService(
    deps.consoleUsers ?? (redis ? new RedisConsoleUserStore(redis, config.redisPrefix) : new MemoryConsoleUserStore()),
    deps.clock,
  );
  const consoleSessionStore = deps.consoleSessionStore ?? (redis ? redisSessionStore(redis, consoleSessionKeyPrefix(config.redisPrefix), { touch: true }) : undefined);
  const sessionMiddleware = session({
    name: 'hpp.sid',
    secret: config.sessionSecret,
    genid: mintSessionId,
    resave: false,
    saveUninitialized: false,
    ...(sessionStore ? { store: sessionStore } : {}),
    cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: 2 * 3600_000 },
  });

  const app = express() as GatewayApp;
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  const views = useViews(app, VIEWS_ROOT);
  preloadViews(views, VIEWS_ROOT);
  const openApiJson = loadOpenApiJson();

  app.use(requestIds());
  app.use(requestMetrics((route, status, seconds) => metrics.httpRequest(route, status, seconds)));
  app.use(securityHeaders(connectors.bankOrigins()));
  // Each router is entered only by the requests of its part of the URL space (see pathsOnly).
  app.use(pathsOnly({ under: ['/.well-known'] }, wellKnownRoutes(keystore)));
  app.use(
    pathsOnly({ exact: ['/'], under: ['/healthz', '/readyz', '/metrics'] }, operationsRoutes({
      readiness: {
        store: () => store.ping(),
        keys: () => Boolean(keystore.signingKey),
        connectors: () => connectors.names().length > 0,
      },
      metrics,
      ...(config.metricsToken ? { metricsToken: config.metricsToken } : {}),
      views,
      publicUrl: config.publicUrl,
    })),
  );

  app.use(pathsOnly({ under: ['/api/v1/openapi.json'] }, openApiRoutes(openApiJson)));

  // Links in the console, like the buyer pages', are rooted at PUBLIC_URL's path.
  app.use('/console', (_req, res, next) => {
    res.locals.assetBase = new URL(config.publicUrl).pathname.replace(/\/+$/, '');
    next();
  });
  app.use(
    pathsOnly({ under: ['/console'] }, consoleRouter({
      users: consoleUsers,
      service,
      operations,
      events,
      audit,
      submissions: new SingleSubmission(store),
      connectors: connectors.names(),
      views,
      session: consoleSession({ secret: config.sessionSecret, inactivityMs: config.console.inactivityMs, ...(consoleSessionStore ? { store: consoleSessionStore } : {}) }),
      inactivityMs: config.console.inactivityMs,
      signInLimits: {
        perAccount: config.console.signInFailuresPerAccount,
        perIp: config.console.signInFailuresPerIp,
        windowMs: 15 * 60_000,
        ...(redis ? { counters: (limiter: 'console-account' | 'console-ip') => new RedisRateLimitStore(redis, rateLimitKeyPrefix(config.redisPrefix, limiter)) } : {}),
      },
      requestLimits: {
        perUserPerMinute: config.console.requestsPerUserPerMinute,
        perIpPerMinute: config.console.requestsPerIpPerMinute,
        ...(redis ? { counters: (limiter: ConsoleRequestLimiter) => new RedisRateLimitStore(redis, rateLimitKeyPrefix(config.redisPrefix, limiter)) } : {}),
      },
      clock: deps.clock ?? (() => new Date()),
      logger,
    })),
  );

  const api = Router();
  api.use(apiKeyAuth(config.apiKeys));
  api.use(apiAudit(audit));
  api.use(limits.api);
  api.use(jsonBody(config.bodyLimit));
  api.use(cardDataGuard(isMerchantFreeText, (finding) => logger.warn(finding, 'request with card data refused')));
  api.use(
    paymentsApi({
      service,
      operations,
      rules: { maxAmount: config.maxAmount, returnUrlAllowlist: config.returnUrlAllowlist, connectors: connectors.names() },
      checkoutUrl: urls.checkout,
    }),
  );
  api.use(eventsApi(events));
  api.use((_req, _res, next) => next(new NotFoundError('No such API endpoint.')));
  api.use(apiErrorHandler(logger));
  app.use('/api/v1', api);

  const pages = Router();
  // Links in pages are rooted at PUBLIC_URL's path, so the gateway also works mounted under a prefix.
  const basePath = new URL(config.publicUrl).pathname.replace(/\/+$/, '');
  pages.use((_req, res, next) => {
    res.locals.assetBase = basePath;
    next();
  });
  // Buyers are limited per IP; the bank's server-to-server notifications are not (a bank retrying a
  // backlog must never be turned away).
  if (config.tls?.bankClientCaFile) pages.use(GATEWAY_ROUTES.bankNotify, requireBankClientCertificate);
  pages.use('/checkout', limits.buyer);
  pages.use(GATEWAY_ROUTES.bankReturn, limits.buyer);
  pages.use(pathsOnly({ under: ['/bank'] }, bankCallbackRoutes({ service, operations, connectors, urls, logger, metrics })));
  const branding = merchantBrandingRoutes(config.branding);
  pages.use(pathsOnly({ exact: Object.values(BRANDING_ROUTES) }, branding.router));
  pages.use(
    pathsOnly({ under: ['/checkout'] }, checkoutRoutes({
      service,
      connectors,
      views,
      session: sessionMiddleware,
      merchantName: config.merchantName,
      timeZone: config.merchantTimeZone,
      checkoutMode: config.checkoutMode,
      logoUrl: branding.hasLogo ? basePath + BRANDING_ROUTES.logo : null,
      themeUrl: basePath + BRANDING_ROUTES.theme,
      urls,
      logger,
      ...(deps.clock ? { clock: deps.clock } : {}),
    })),
  );
  pages.use('/assets', express.static(path.join(VIEWS_ROOT, 'assets'), { fallthrough: false, index: false }));
  pages.use((_req, _res, next) => next(new NotFoundError()));
  pages.use(pageErrorHandler(views, logger));
  app.use(pages);

  const sweepMs = deps.expirySweepMs ?? 1_000;
  const sweeper = sweepMs > 0 ? new ExpirySweeper(service, { maxPauseMs: sweepMs, logger }) : null;
  sweeper?.start();
  const reconcileMs = deps.reconcileMs ?? 60_000;
  const reconciler = reconcileMs > 0
    ? new Reconciler(store, operations, { firstAfterMs: config.reconcileAfterMs, maxDelayMs: RECONCILE_MAX_DELAY_MS, maxPauseMs: reconcileMs, logger, ...(deps.clock ? { clock: deps.clock } : {}) })
    : null;
  reconciler?.start();

  if (deps.deliveryWorker ?? config.notifications.inProcessWorker) notifications.worker.start();

  app.gateway = {
    service,
    operations,
    store,
    notifications,
    keystore,
    connectors,
    logger,
    metrics,
    consoleUsers,
    audit,
    async close() {
      await sweeper?.stop();
      await reconciler?.stop();
      await notifications.close();
      await store.close();
      await redis?.quit().catch(() => undefined);
    },
  };
  return app;
}
