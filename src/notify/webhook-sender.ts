import type { Agent } from 'node:https';
import type { Readable } from 'node:stream';
import axios from 'axios';
import type { DeliveryAttemptRecord } from '../store/outbox.js';
import { currentRequestId, newRequestId, REQUEST_ID_HEADER } from '../request-context.js';

export const WEBHOOK_USER_AGENT = 'hpp-gateway-webhooks/1';

export interface SendWebhookOptions {
  /** The whole exchange, connection to response headers, must fit in this. */
  timeoutMs: number;
  /** For a private CA or pinned TLS settings. */
  httpsAgent?: unknown;
}

/** A 2xx answer: the merchant has the event. Anything else (3xx included) is retried. */
export function isDelivered(record: DeliveryAttemptRecord): boolean {
  return record.status !== undefined && record.status >= 200 && record.status < 300;
}

const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found (temporary)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNABORTED: 'timeout',
  ETIMEDOUT: 'timeout',
  ERR_CANCELED: 'timeout',
  ERR_FR_TOO_MANY_REDIRECTS: 'redirect not followed',
};

/** A short, fixed text from the error's code only: an axios error carries the request, and the request carries the body and signatures. */
function describe(err: unknown): string {
  const code = (err as { code?: unknown; cause?: { code?: unknown } }).code ?? (err as { cause?: { code?: unknown } }).cause?.code;
  if (typeof code !== 'string') return 'request failed';
  const known = NETWORK_ERRORS[code];
  if (known) return known;
  if (/^(CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_TLS_|ERR_SSL_)/.test(code)) return `tls error (${code})`;
  return /^[A-Z0-9_]{1,40}$/.test(code) ? `request failed (${code})` : 'request failed';
}

/**
 * POSTs one webhook body, exactly as given, and says what happened. Never throws. Redirects are
 * not followed (a 3xx is a failed try): the merchant's configured URL is the only place events go.
 * The response body is not read.
 */
export async function sendWebhook(url: string, body: string, headers: Record<string, string>, options: SendWebhookOptions): Promise<DeliveryAttemptRecord> {
  const started = Date.now();
  const at = new Date(started).toISOString();
  const durationMs = () => Date.now() - started;
  try {
    const response = await axios.post<Readable>(url, body, {
      // Deliveries leave from the outbox worker, long after the request that caused the event: each
      // try has an id of its own (the event's id, in Hpp-Event-Id, is what ties the tries together).
      headers: { ...headers, 'Content-Type': 'application/json', 'User-Agent': WEBHOOK_USER_AGENT, [REQUEST_ID_HEADER]: currentRequestId() ?? newRequestId() },
      transformRequest: [(data: unknown) => data],
      maxRedirects: 0,
      validateStatus: () => true,
      responseType: 'stream',
      timeout: options.timeoutMs,
      // axios' timeout is an idle timeout on the socket; the signal bounds the whole exchange.
      signal: AbortSignal.timeout(options.timeoutMs),
      ...(options.httpsAgent ? { httpsAgent: options.httpsAgent as Agent } : {}),
    });
    response.data.destroy?.();
    const record: DeliveryAttemptRecord = { at, durationMs: durationMs(), status: response.status };
    if (response.status >= 300 && response.status < 400) record.error = 'redirect not followed';
    return record;
  } catch (err) {
    return { at, durationMs: durationMs(), error: describe(err) };
  }
}
