import express, { type ErrorRequestHandler, type RequestHandler, type Router } from 'express';
import { verifyWebhook, WebhookVerificationError } from '../../src/index.js';
import type { OrderBook } from './order-book.js';
import { parseWebhookEvent } from './webhook-event.js';

/** The few logger methods the endpoint uses. */
interface WebhookLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface WebhookEndpointOptions {
  orders: OrderBook;
  /** `{gateway}/.well-known/jwks.json`: checks `Hpp-Signature-JWS` with the gateway's public keys. */
  jwksUrl: URL;
  /** The shared secret, when the shop has one: `Hpp-Signature` (HMAC) is then accepted too. */
  secret?: string | undefined;
  /** False while the endpoint should answer 503 (to show the gateway's retries). */
  available: () => boolean;
  logger: WebhookLogger;
}

/** An audit.recorded body: an entry of the gateway's audit log, about no payment. */
function isAuditEvent(body: unknown): body is { id: string; type: 'audit.recorded' } {
  return typeof body === 'object' && body !== null && (body as { type?: unknown }).type === 'audit.recorded' && typeof (body as { id?: unknown }).id === 'string';
}

/** A webhook body is one event with one payment: far below this. */
export const WEBHOOK_BODY_LIMIT = '64kb';

/**
 * `POST /webhooks`: the gateway's signed events. The raw body is verified (JWS with the gateway's
 * public keys, or HMAC with the shared secret) before it is parsed, then applied to the order book
 * once per event id. Every event that verifies is acknowledged with 200, even one for an order this
 * shop does not know, so that the gateway stops retrying it; one that does not verify gets a 400 and
 * changes nothing.
 */
export function webhookEndpoint(options: WebhookEndpointOptions): Router {
  const { orders, jwksUrl, secret, available, logger } = options;
  const router = express.Router();

  const onlyWhenAvailable: RequestHandler = (_req, res, next) => {
    if (available()) return next();
    res.status(503).set('Retry-After', '10').json({ error: 'unavailable' });
  };

  const receive: RequestHandler = async (req, res) => {
    // express.raw leaves the body alone (not a Buffer) when the type is not JSON.
    if (!Buffer.isBuffer(req.body)) return void res.status(415).json({ error: 'unsupported_media_type' });
    let verified: Awaited<ReturnType<typeof verifyWebhook>>;
    try {
      verified = await verifyWebhook({ body: req.body, headers: req.headers, jwks: jwksUrl, ...(secret ? { secret } : {}) });
    } catch (err) {
      if (err instanceof WebhookVerificationError) {
        logger.warn({ code: err.code }, 'webhook refused: signature not verified');
        return void res.status(400).json({ error: err.code });
      }
      // The gateway's keys could not be fetched: not a verdict on the webhook. The gateway tries again later.
      logger.error({ err: { name: (err as Error)?.name, message: (err as Error)?.message } }, 'webhook not checked: the gateway keys are unavailable');
      return void res.status(503).set('Retry-After', '10').json({ error: 'verification_unavailable' });
    }

    if (isAuditEvent(verified.event)) {
      // The gateway's audit log, for the shop to archive: this demo keeps only the log line.
      logger.info({ eventId: verified.event.id, type: 'audit.recorded', verifiedBy: verified.verifiedBy }, 'audit entry received');
      return void res.status(200).json({ received: true });
    }
    const event = parseWebhookEvent(verified.event);
    if (!event) {
      logger.error({ verifiedBy: verified.verifiedBy }, 'webhook verified but not readable as an event');
      return void res.status(400).json({ error: 'unreadable_event' });
    }
    const outcome = orders.applyEvent(event);
    const fields = { eventId: event.id, type: event.type, reference: event.data.payment.reference, paymentVersion: event.data.paymentVersion, outcome, verifiedBy: verified.verifiedBy };
    if (outcome === 'unknown_order' || outcome === 'other_payment') logger.warn(fields, 'webhook acknowledged for an order this shop does not have');
    else logger.info(fields, 'webhook received');
    res.status(200).json({ received: true });
  };

  // Errors of the raw body parser (too large, bad encoding) answered as JSON, not as a shop page.
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status >= 500) logger.error({ err: { name: err?.name, message: err?.message } }, 'webhook request failed');
    else logger.warn({ status, type: err?.type }, 'webhook request refused');
    if (res.headersSent) return;
    res.status(status).json({ error: status === 413 ? 'too_large' : status < 500 ? 'bad_request' : 'internal_error' });
  };

  // The raw body, parsed on this route only: the signatures are over the exact bytes received.
  router.post('/webhooks', onlyWhenAvailable, express.raw({ type: 'application/json', limit: WEBHOOK_BODY_LIMIT }), receive, onError);
  return router;
}
