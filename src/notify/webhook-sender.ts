import http from 'node:http';
import https from 'node:https';
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
};

/** The code of the error a try is ended with when it runs out of time. */
const TIMED_OUT = 'ETIMEDOUT';

// Deliveries to one endpoint reuse their connections: a TCP (and TLS) handshake per event was a
// tenth of the gateway's time under load. Node's agent closes an idle socket before the server's
// own Keep-Alive timeout, which it reads from the answer. TCP keep-alive probes start after a quiet
// minute (Node's default is one second).
const keepAliveHttp = new http.Agent({ keepAlive: true, keepAliveMsecs: 60_000 });
const keepAliveHttps = new https.Agent({ keepAlive: true, keepAliveMsecs: 60_000 });

/** The most answer bytes read to keep a connection for the next delivery; a longer answer closes it. */
export const DRAINED_ANSWER_BYTES = 64 * 1024;

/**
 * Reads the answer's body away (it is never looked at) so that its connection goes back to the pool;
 * an endpoint answering more than DRAINED_ANSWER_BYTES has its connection closed instead.
 */
function discard(body: http.IncomingMessage, timeoutMs: number): void {
  let read = 0;
  // An endpoint that never finishes its answer does not keep the connection: it is closed after the
  // same time a try may take.
  const stalled = setTimeout(() => body.destroy(), timeoutMs);
  stalled.unref();
  body.on('close', () => clearTimeout(stalled));
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
function isStaleConnection(err: unknown, request: http.ClientRequest): boolean {
  const code = (err as { code?: string }).code;
  return (code === 'ECONNRESET' || code === 'EPIPE') && request.reusedSocket;
}

/** A short, fixed text from the error's code only: an error's message can carry the URL, and the request the body and signatures. */
function describe(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return 'request failed';
  const known = NETWORK_ERRORS[code];
  if (known) return known;
  if (/^(CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_TLS_|ERR_SSL_)/.test(code)) return `tls error (${code})`;
  return /^[A-Z0-9_]{1,40}$/.test(code) ? `request failed (${code})` : 'request failed';
}

/**
 * One try at POSTing, ended at the latest by its deadline. Node's http client rather than axios,
 * which the gateway uses for its calls to the banks: a webhook is sent for nearly every event, the
 * gateway's busiest outgoing call, and axios' per-request work (config merging, header objects,
 * the proxy lookup, socket options) cost about 250 µs of CPU per delivery against 70 µs here,
 * measured with the same keep-alive agent. Node never follows a redirect, which is what is wanted.
 */
class WebhookPost {
  private current: http.ClientRequest | undefined;
  private timedOut = false;
  private readonly timer: NodeJS.Timeout;

  constructor(timeoutMs: number) {
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.current?.destroy(Object.assign(new Error('webhook timed out'), { code: TIMED_OUT }));
    }, timeoutMs);
  }

  /** The response once its headers are in; a kept connection found closed is tried once more. */
  async send(url: URL, body: Buffer, headers: Record<string, string | number>, agent: http.Agent): Promise<http.IncomingMessage> {
    try {
      return await this.once(url, body, headers, agent);
    } catch (err) {
      if (!this.timedOut && isStaleConnection(err, this.current!)) return this.once(url, body, headers, agent);
      throw err;
    }
  }

  /** Why the try failed: its deadline, if that is what ended it. */
  reason(err: unknown): unknown {
    return this.timedOut ? { code: TIMED_OUT } : err;
  }

  done(): void {
    clearTimeout(this.timer);
  }

  private once(url: URL, body: Buffer, headers: Record<string, string | number>, agent: http.Agent): Promise<http.IncomingMessage> {
    const request = (url.protocol === 'https:' ? https.request : http.request)(url, { method: 'POST', headers, agent });
    this.current = request;
    return new Promise((resolve, reject) => {
      request.on('response', resolve);
      request.on('error', reject);
      if (this.timedOut) request.destroy(Object.assign(new Error('webhook timed out'), { code: TIMED_OUT }));
      request.end(body);
    });
  }
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
  // One deadline bounds the whole exchange, a second try on a stale connection included.
  const attempt = new WebhookPost(options.timeoutMs);
  try {
    const target = new URL(url);
    const bytes = Buffer.from(body, 'utf8');
    const agent = target.protocol === 'https:' ? ((options.httpsAgent as https.Agent | undefined) ?? keepAliveHttps) : keepAliveHttp;
    const response = await attempt.send(target, bytes, {
      ...headers,
      'Content-Type': 'application/json',
      'Content-Length': bytes.length,
      'User-Agent': WEBHOOK_USER_AGENT,
      // Deliveries leave from the outbox worker, long after the request that caused the event: each
      // try has an id of its own (the event's id, in Hpp-Event-Id, is what ties the tries together).
      [REQUEST_ID_HEADER]: currentRequestId() ?? newRequestId(),
    }, agent);
    discard(response, options.timeoutMs);
    const status = response.statusCode ?? 0;
    const record: DeliveryAttemptRecord = { at, durationMs: durationMs(), status };
    if (status >= 300 && status < 400) record.error = 'redirect not followed';
    return record;
  } catch (err) {
    return { at, durationMs: durationMs(), error: describe(attempt.reason(err)) };
  } finally {
    attempt.done();
  }
}
