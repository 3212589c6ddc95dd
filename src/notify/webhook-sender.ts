import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import axios, { type AxiosResponse } from 'axios';
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

// Deliveries to one endpoint reuse their connections: a TCP (and TLS) handshake per event was a
// tenth of the gateway's time under load. Node's agent closes an idle socket before the server's
// own Keep-Alive timeout, which it reads from the answer.
const keepAliveHttp = new http.Agent({ keepAlive: true });
const keepAliveHttps = new https.Agent({ keepAlive: true });

/** The most answer bytes read to keep a connection for the next delivery; a longer answer closes it. */
export const DRAINED_ANSWER_BYTES = 64 * 1024;

/**
 * Reads the answer's body away (it is never looked at) so that its connection goes back to the pool;
 * an endpoint answering more than DRAINED_ANSWER_BYTES has its connection closed instead.
 */
function discard(body: Readable): void {
  let read = 0;
  body.on('error', () => undefined);
  body.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (read > DRAINED_ANSWER_BYTES) body.destroy();
  });
}

/**
 * A kept connection the endpoint closed meanwhile fails the moment it is reused, before the endpoint
 * read anything: that one case is tried again at once on a new connection (Node's advice for
 * keep-alive agents), rather than waiting for the retry schedule.
 */
function isStaleConnection(err: unknown): boolean {
  const e = err as { code?: string; request?: { reusedSocket?: boolean } };
  return (e.code === 'ECONNRESET' || e.code === 'EPIPE') && e.request?.reusedSocket === true;
}

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
 * The answer's body is never looked at: it is read away so that the connection serves the next try.
 */
export async function sendWebhook(url: string, body: string, headers: Record<string, string>, options: SendWebhookOptions): Promise<DeliveryAttemptRecord> {
  const started = Date.now();
  const at = new Date(started).toISOString();
  const durationMs = () => Date.now() - started;
  // axios' timeout is an idle timeout on the socket; the signal bounds the whole exchange, a second
  // try on a stale connection included.
  const signal = AbortSignal.timeout(options.timeoutMs);
  const post = (): Promise<AxiosResponse<Readable>> =>
    axios.post<Readable>(url, body, {
      // Deliveries leave from the outbox worker, long after the request that caused the event: each
      // try has an id of its own (the event's id, in Hpp-Event-Id, is what ties the tries together).
      headers: { ...headers, 'Content-Type': 'application/json', 'User-Agent': WEBHOOK_USER_AGENT, [REQUEST_ID_HEADER]: currentRequestId() ?? newRequestId() },
      transformRequest: [(data: unknown) => data],
      maxRedirects: 0,
      validateStatus: () => true,
      responseType: 'stream',
      timeout: options.timeoutMs,
      signal,
      httpAgent: keepAliveHttp,
      httpsAgent: (options.httpsAgent as https.Agent | undefined) ?? keepAliveHttps,
    });
  try {
    const response = await post().catch((err: unknown) => {
      if (isStaleConnection(err)) return post();
      throw err;
    });
    discard(response.data);
    const record: DeliveryAttemptRecord = { at, durationMs: durationMs(), status: response.status };
    if (response.status >= 300 && response.status < 400) record.error = 'redirect not followed';
    return record;
  } catch (err) {
    return { at, durationMs: durationMs(), error: describe(err) };
  }
}
