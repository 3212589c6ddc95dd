import { fileURLToPath } from 'node:url';
import path from 'node:path';
import express, { type ErrorRequestHandler } from 'express';
import type { JSONWebKeySet, JWK } from 'jose';
import { useViews } from '../src/index.js';
import type { BankContext } from './protocols/sandbox-protocol.js';
import { BankKeystore } from './bank-keys.js';
import { consoleLogger, type SandboxBankLogger } from './logger.js';
import { registerMerchants, type MerchantRegistration } from './merchants.js';
import { NotificationDelivery } from './notification-delivery.js';
import { OperationsDesk } from './operations/operations-desk.js';
import { SeenTokenIds } from './operations/seen-token-ids.js';
import { checkOperationBehaviours } from './operations/test-behaviour.js';
import { renderBackOffice, renderHome, renderNotFound, renderServerError } from './pages.js';
import { DEFAULT_NOTIFICATION_RETRY_DELAYS_MS } from './retry-schedule.js';
import { cardDecisionRoute } from './routes/card-decision-route.js';
import { cardPageRoute } from './routes/card-page-route.js';
import { challengeDecisionRoute, challengePageRoute } from './routes/challenge-route.js';
import { moneticoOperationRoutes } from './routes/monetico-operations-route.js';
import { operationBody, operationBodyErrors, operationsRoute } from './routes/operations-route.js';
import { lyraRestBody, lyraRestRoute } from './routes/lyra-rest-route.js';
import { LyraRestDesk } from './protocols/lyra-rest-desk.js';
import { paymentRequestRoute } from './routes/payment-request-route.js';
import { SipsOfficeDesk } from './operations/sips-office-desk.js';
import { SIPS_OFFICE_ROUTE, sipsOfficeBody, sipsOfficeRoute } from './routes/sips-office-route.js';
import { protocolsByName } from './protocols/index.js';
import { createSecurityHeaders } from './security-headers.js';
import { TransactionBook, type SandboxTransaction } from './transaction-book.js';

/** The sandbox bank's own templates, beside its code. */
const VIEWS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'views');

export type { SandboxBankLogger } from './logger.js';
export type { MerchantRegistration } from './merchants.js';
export type {
  BankCapture,
  BankRefund,
  BankRefundStatus,
  BankVoid,
  SandboxTransaction,
  SandboxTransactionStatus,
  NotificationState,
} from './transaction-book.js';
export type { OperationTestBehaviour } from './operations/test-behaviour.js';

export interface SandboxBankOptions {
  /** `aud` of the requests the bank accepts and `iss` of its responses. Default `sandbox-bank`. */
  bankId?: string;
  /** The bank's own base URL as buyers reach it, e.g. `http://localhost:3001`: used for links and form actions. */
  publicUrl: string;
  /**
   * The merchants allowed to send requests, each with its credentials per protocol: `jwksUrl` for the
   * native one, `sips: { merchantId, keys }` for Worldline Sips, …
   */
  merchants: readonly MerchantRegistration[];
  /** Private JWKs (EdDSA, ES256 or PS256); the first signs, all are published. Default: one fresh Ed25519 key. */
  signingKeys?: readonly JWK[];
  /** Waits before each notification retry; default 2 s, 10 s, 1 min, 5 min, 30 min, then hourly up to 24 h. */
  notificationRetryDelaysMs?: readonly number[];
  /** pino-compatible; default one JSON line per entry on the console. */
  logger?: SandboxBankLogger;
  clock?: () => Date;
  /** Manual capture: how long an authorisation can be captured. Default 7 days. */
  captureWindowSeconds?: number;
  /** Operations API: how long a `late` test operation waits before it answers. Default 15 s. */
  operationLateAnswerMs?: number;
  /** Operations API: how long a pending (test amount) refund stays pending. Default 5 s. */
  refundSettleMs?: number;
}

export interface SandboxBank {
  app: express.Express;
  /** The public keys the bank's responses verify with (also served at /.well-known/jwks.json). */
  jwks(): JSONWebKeySet;
  /** A copy of every transaction: references, amounts, outcome, brand and last four digits only. */
  transactions(): readonly SandboxTransaction[];
  /** Cancels pending notification retries and waits for tries already sent. */
  close(): Promise<void>;
}

// A request (a token, or sealed form data), or a card form, is a few KB at most.
const FORM_LIMIT = '32kb';

/**
 * A bank simulator implementing the bank's side of several protocols (protocols/index.ts: the native
 * one of docs/protocol.md, Worldline Sips, …): it verifies the merchant's signed request, shows a
 * hosted card page with test cards, and answers with signed responses by server notification and
 * browser return, in the protocol the request came in. Development and tests only: it keeps
 * transactions in memory.
 */
export async function createSandboxBank(options: SandboxBankOptions): Promise<SandboxBank> {
  const publicUrl = options.publicUrl.replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]/.test(publicUrl) || !URL.canParse(publicUrl)) throw new Error('publicUrl must be an absolute http(s) URL');
  const logger = options.logger ?? consoleLogger();
  const book = new TransactionBook(options.captureWindowSeconds !== undefined ? { captureWindowSeconds: options.captureWindowSeconds } : {});
  const keys = options.signingKeys?.length ? await BankKeystore.fromPrivateJwks(options.signingKeys) : await BankKeystore.generate();
  const delivery = new NotificationDelivery({
    retryDelaysMs: options.notificationRetryDelaysMs ?? DEFAULT_NOTIFICATION_RETRY_DELAYS_MS,
    logger,
    onProgress: (bankTxnId, state, attempts) => book.recordNotification(bankTxnId, state, attempts),
  });

  const protocols = protocolsByName();
  const merchants = registerMerchants(options.merchants);
  for (const registration of options.merchants) {
    for (const protocol of protocols.values()) protocol.checkMerchant?.(registration);
    checkOperationBehaviours(registration);
  }

  const app = express();
  app.disable('x-powered-by');
  const security = createSecurityHeaders(publicUrl);
  const ctx: BankContext = {
    bankId: options.bankId ?? 'sandbox-bank',
    publicUrl,
    merchants,
    book,
    keys,
    delivery,
    logger,
    views: useViews(app, VIEWS_DIR),
    security,
    operations: new OperationsDesk(book, { refundSettleMs: options.refundSettleMs ?? 5000 }),
    seenOperationTokens: new SeenTokenIds(),
    operationLateAnswerMs: options.operationLateAnswerMs ?? 15_000,
    now: options.clock ?? (() => new Date()),
    protocolOf(transaction) {
      const protocol = protocols.get(transaction.protocol);
      if (!protocol) throw new Error(`transaction ${transaction.bankTxnId}: unknown protocol ${transaction.protocol}`);
      return protocol;
    },
  };

  // Bank forms carry many fields (Lyra's vads_* and Monetico's run to 20-40); card forms a handful.
  const form = express.urlencoded({ extended: false, limit: FORM_LIMIT, parameterLimit: 80 });
  app.use(security.middleware);
  app.get('/', (_req, res) => renderHome(ctx, res));
  app.get('/.well-known/jwks.json', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(keys.publicJwks());
  });
  for (const protocol of protocols.values()) {
    for (const path of protocol.requestPaths) app.post(path, form, paymentRequestRoute(ctx, protocol));
  }
  app.post('/operations', operationBody, operationsRoute(ctx), operationBodyErrors);
  // Lyra's REST API V4 (base URL `<publicUrl>/lyra`): capture, cancel, refund and status for Lyra shops.
  app.post('/lyra/api-payment/V4/:group/:name', lyraRestBody, lyraRestRoute(ctx, new LyraRestDesk(book)));
  app.post(SIPS_OFFICE_ROUTE, sipsOfficeBody, sipsOfficeRoute(ctx, new SipsOfficeDesk(book)));
  for (const route of moneticoOperationRoutes(ctx)) app.post(route.path, form, route.handler);
  app.get('/back-office', (_req, res) => renderBackOffice(ctx, res));
  app.get('/pay/:bankTxnId', cardPageRoute(ctx));
  app.post('/pay/:bankTxnId', form, cardDecisionRoute(ctx));
  app.get('/pay/:bankTxnId/challenge', challengePageRoute(ctx));
  app.post('/pay/:bankTxnId/challenge', form, challengeDecisionRoute(ctx));
  app.use((req, res) => renderNotFound(ctx, req, res));

  const onError: ErrorRequestHandler = (err: unknown, req, res, _next) => {
    const status = typeof (err as { status?: unknown }).status === 'number' ? (err as { status: number }).status : 500;
    // Name and message only: never the request, whose body may hold a card number or a token.
    logger.error({ error: (err as Error).name, message: (err as Error).message, path: req.path, status }, 'request failed');
    if (res.headersSent) return;
    renderServerError(ctx, req, res, status >= 400 && status < 600 ? status : 500);
  };
  app.use(onError);

  return {
    app,
    jwks: () => keys.publicJwks(),
    transactions: () => book.snapshot(),
    close: () => delivery.close(),
  };
}
