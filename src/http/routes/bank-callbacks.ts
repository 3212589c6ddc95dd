import express, { Router, type Request } from 'express';
import { BankUnavailableError, GatewayError, InvalidBankMessageError, MismatchedBankMessageError, NotFoundError, ReplayedBankMessageError } from '../../core/errors.js';
import { IgnoredBankMessage, isRefundMessage, type BankConnector, type IncomingBankMessage, type VerifiedBankMessage, type VerifiedRefundMessage } from '../../connectors/bank-connector.js';
import type { ConnectorRegistry } from '../../connectors/registry.js';
import type { Logger } from '../../logger.js';
import type { GatewayMetrics } from '../../metrics/gateway-metrics.js';
import type { PaymentOperations } from '../../service/payment-operations.js';
import type { PaymentService } from '../../service/payment-service.js';
import { GATEWAY_ROUTES, type GatewayUrls } from '../gateway-urls.js';

export interface BankCallbackOptions {
  service: PaymentService;
  /** Applies the refund notifications of banks that send them. */
  operations: Pick<PaymentOperations, 'receiveRefundMessage'>;
  connectors: ConnectorRegistry;
  urls: GatewayUrls;
  logger: Logger;
  /** Counts each message by what became of it (hpp_bank_messages_total). */
  metrics?: Pick<GatewayMetrics, 'bankMessage' | 'bankMessageRefused'>;
}

/**
 * Keeps the exact bytes the bank sent (some protocols sign the raw body) and parses form fields from
 * them; mounted before, and instead of, any global body parser.
 */
const rawBody = express.raw({ type: () => true, limit: '64kb' });

function incoming(req: Request): IncomingBankMessage {
  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const fields: Record<string, string> = {};
  // Form fields first, then the query of the URL we gave the bank (a POST return keeps it too);
  // the first value of a repeated name wins. Connectors verify whatever they read.
  const body = req.method !== 'GET' && req.is('application/x-www-form-urlencoded') ? new URLSearchParams(raw.toString('utf8')) : null;
  const query = new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
  for (const source of [body, query]) if (source) for (const [k, v] of source) if (!(k in fields)) fields[k] = v;
  return { method: req.method, fields, rawBody: raw, headers: req.headers };
}

/** The attempt a refused message named, for the log line, once its signature has been checked. */
function attemptOf(verified: VerifiedBankMessage | VerifiedRefundMessage | undefined): { attempt?: string } {
  if (!verified) return {};
  if (isRefundMessage(verified)) return verified.attemptRef ? { attempt: verified.attemptRef } : {};
  return { attempt: verified.outcome.attemptRef };
}

/**
 * The payment a refusal can be tied to: only one the verified message named (a replay of it, or a
 * mismatch found once it was verified). A message that failed verification names nothing we trust.
 */
function refusedPaymentOf(err: InvalidBankMessageError): string | undefined {
  return err instanceof ReplayedBankMessageError || err instanceof MismatchedBankMessageError ? err.paymentId : undefined;
}

function connectorFor(connectors: ConnectorRegistry, name: unknown): BankConnector {
  if (typeof name !== 'string' || !connectors.has(name)) throw new NotFoundError();
  return connectors.get(name);
}

export function bankCallbackRoutes({ service, operations, connectors, urls, logger, metrics }: BankCallbackOptions): Router {
  const router = Router();

  /** Keeps the refusal in the payment's timeline when it can be tied to one; a failed write is logged, the answer stays the protocol's. */
  const keepRefusal = async (err: InvalidBankMessageError, connector: string, channel: 'notify' | 'return') => {
    const paymentId = refusedPaymentOf(err);
    if (!paymentId) return;
    try {
      await service.recordRefusedMessage(paymentId, { connector, channel, reason: err.reason });
    } catch (writeErr) {
      logger.warn({ connector, channel, reason: err.reason, err: writeErr instanceof Error ? writeErr.message : String(writeErr) }, 'refused bank message not kept for the timeline');
    }
  };

  // The buyer's browser back from the bank: usually a cross-site POST, so no session cookie comes
  // with it. The payment is found from the verified message alone, then the buyer is sent with
  // 303 to a GET page that does get the cookie and survives a reload.
  const onReturn = async (req: Request, res: express.Response) => {
    const connector = connectorFor(connectors, req.params.connector);
    let verified: VerifiedBankMessage | undefined;
    let paymentId: string;
    try {
      verified = await connector.verifyReturn(incoming(req));
      const applied = await service.receiveBankMessage(connector.name, verified);
      paymentId = applied.paymentId;
      metrics?.bankMessage(connector.name, 'return', applied.transition.verdict);
      logger.info({ connector: connector.name, reference: applied.transition.payment.reference, attempt: verified.outcome.attemptRef, status: verified.outcome.status, verdict: applied.transition.verdict }, 'bank return');
    } catch (err) {
      // A replayed return (the Back button re-posting it) is not applied; the buyer is shown where the payment stands.
      if (err instanceof ReplayedBankMessageError) {
        metrics?.bankMessageRefused(connector.name, 'return', err.reason);
        logger.warn({ connector: connector.name, attempt: verified?.outcome.attemptRef }, 'replayed bank return refused');
        await keepRefusal(err, connector.name, 'return');
        paymentId = err.paymentId;
      } else {
        if (err instanceof InvalidBankMessageError) {
          metrics?.bankMessageRefused(connector.name, 'return', err.reason);
          logger.warn({ connector: connector.name, reason: err.reason, ...attemptOf(verified) }, 'bank return refused');
          await keepRefusal(err, connector.name, 'return');
        } else metrics?.bankMessage(connector.name, 'return', err instanceof BankUnavailableError ? 'unavailable' : 'failed');
        throw err;
      }
    }
    res.redirect(303, urls.result(paymentId));
  };
  router.get(GATEWAY_ROUTES.bankReturn, rawBody, onReturn);
  router.post(GATEWAY_ROUTES.bankReturn, rawBody, onReturn);

  // Server to server: answer in the bank's own acknowledgement format, after the state is stored.
  router.post(GATEWAY_ROUTES.bankNotify, rawBody, async (req, res) => {
    const connector = connectorFor(connectors, req.params.connector);
    let ack;
    let verified: VerifiedBankMessage | VerifiedRefundMessage | undefined;
    try {
      verified = await connector.verifyNotification(incoming(req));
      if (isRefundMessage(verified)) {
        const { payment, transitions } = await operations.receiveRefundMessage(connector.name, verified);
        const verdicts = transitions.map((t) => t.verdict);
        for (const verdict of verdicts) metrics?.bankMessage(connector.name, 'notify', verdict);
        logger.info({ connector: connector.name, reference: payment.reference, ...attemptOf(verified), refunds: verified.refunds.length, verdicts }, 'bank refund notification');
      } else {
        const { transition } = await service.receiveBankMessage(connector.name, verified);
        metrics?.bankMessage(connector.name, 'notify', transition.verdict);
        logger.info({ connector: connector.name, reference: transition.payment.reference, attempt: verified.outcome.attemptRef, status: verified.outcome.status, verdict: transition.verdict }, 'bank notification');
      }
      ack = connector.acknowledge('accepted');
    } catch (err) {
      if (err instanceof IgnoredBankMessage) {
        metrics?.bankMessage(connector.name, 'notify', 'ignored');
        logger.info({ connector: connector.name, reason: err.reason }, 'bank notification acknowledged without effect');
        ack = connector.acknowledge('accepted');
      } else if (err instanceof BankUnavailableError) {
        metrics?.bankMessage(connector.name, 'notify', 'unavailable');
        ack = connector.acknowledge('retry');
      } else if (err instanceof InvalidBankMessageError) {
        // A replay is refused like any unverifiable message, under its own reason.
        metrics?.bankMessageRefused(connector.name, 'notify', err.reason);
        logger.warn({ connector: connector.name, reason: err.reason, ...attemptOf(verified) }, 'bank notification refused');
        await keepRefusal(err, connector.name, 'notify');
        ack = connector.acknowledge('rejected', err.reason);
      } else {
        metrics?.bankMessage(connector.name, 'notify', 'failed');
        logger.error({ connector: connector.name, err: err instanceof GatewayError ? err.code : String(err) }, 'bank notification failed');
        ack = connector.acknowledge('retry');
      }
    }
    res.status(ack.status).type(ack.contentType).send(ack.body);
  });

  return router;
}
