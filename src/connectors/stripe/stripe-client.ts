import { callBank } from '../bank-http.js';
import { BankUnavailableError, GatewayError } from '../../core/errors.js';
import { shortId, type Logger } from '../../logger.js';
import { formEncode, type FormValue } from './form-encoding.js';

/**
 * The API version every request asks for, so response shapes do not depend on the account's default
 * version (`payment_intent.latest_charge` exists from 2022-11-15 on).
 */
export const STRIPE_API_VERSION = '2024-06-20';

export const STRIPE_USER_AGENT = 'hpp-gateway-stripe/1';

/** One try: connection to the whole answer. A buyer is waiting on "Pay", so it is short. */
const DEFAULT_TIMEOUT_MS = 8000;

/** Waits before the 2nd and 3rd try: three tries in all, under half a minute in the worst case. */
const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [400, 1600];

const MAX_RESPONSE_BYTES = 1024 * 1024;

export interface StripeClientOptions {
  secretKey: string;
  apiBase: string;
  timeoutMs?: number;
  retryDelaysMs?: readonly number[];
  logger?: Logger;
}

export interface StripeRequest {
  method: 'GET' | 'POST';
  /** e.g. `/v1/checkout/sessions`; ids in it must already be validated. */
  path: string;
  /** Form body of a POST, query string of a GET. */
  params?: Record<string, FormValue>;
  /** Sent on POSTs: a retried create returns the first result instead of making a second object. */
  idempotencyKey?: string;
  /** Default true: network errors, timeouts, 409, 429 and 5xx are tried again with the same key. */
  retry?: boolean;
  /** Overrides the client's timeout for one try of this request. */
  timeoutMs?: number;
}

/**
 * Stripe refused a request (a 4xx other than 409/429): our request or our key is wrong, retrying
 * will not help. The buyer sees the "payment provider unavailable" page; the log gets Stripe's error
 * type, code and parameter (never its message, which may quote what we sent).
 */
export class StripeApiError extends GatewayError {
  readonly httpStatus: number;
  readonly type: string | undefined;
  readonly stripeCode: string | undefined;
  readonly param: string | undefined;

  constructor(httpStatus: number, details: { type?: string; code?: string; param?: string } = {}) {
    const what = [details.type, details.code, details.param && `param ${details.param}`].filter(Boolean).join(', ');
    super('bank_error', `Stripe refused the request: HTTP ${httpStatus}${what ? ` (${what})` : ''}`);
    this.httpStatus = httpStatus;
    this.type = details.type;
    this.stripeCode = details.code;
    this.param = details.param;
  }
}

type TryResult = { ok: true; body: unknown } | { ok: false; retryable: true; reason: string } | { ok: false; retryable: false; error: StripeApiError };

const SAFE_WORD = /^[a-z0-9_.[\]-]{1,100}$/i;

function safeWord(value: unknown): string | undefined {
  return typeof value === 'string' && SAFE_WORD.test(value) ? value : undefined;
}

/** A short, fixed text from an axios error's code only: the error object carries our Authorization header. */

function parseJson(text: unknown): unknown {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Session ids open a buyer's Checkout page: logs carry only their prefix. */
const loggedPath = (path: string) => path.replace(/cs_(test|live)_[A-Za-z0-9]+/g, (id) => shortId(id));

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A minimal client for Stripe's REST API over axios: form-encoded bodies, Bearer authentication, a
 * pinned API version, a timeout per try and bounded retries that reuse the idempotency key.
 */
export class StripeClient {
  readonly #secretKey: string;
  readonly #apiBase: string;
  readonly #timeoutMs: number;
  readonly #retryDelaysMs: readonly number[];
  readonly #logger: Logger | undefined;

  constructor(options: StripeClientOptions) {
    this.#secretKey = options.secretKey;
    this.#apiBase = options.apiBase.replace(/\/+$/, '');
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.#logger = options.logger;
  }

  /** The parsed JSON of a 2xx answer. Throws StripeApiError (refused) or BankUnavailableError (unreachable after the retries). */
  async request(req: StripeRequest): Promise<unknown> {
    const delays = req.retry === false ? [] : this.#retryDelaysMs;
    for (let attempt = 0; ; attempt++) {
      const result = await this.#try(req);
      if (result.ok) return result.body;
      if (!result.retryable) throw result.error;
      const delay = delays[attempt];
      if (delay === undefined) {
        this.#logger?.warn({ method: req.method, path: loggedPath(req.path), tries: attempt + 1, reason: result.reason }, 'stripe api unreachable');
        throw new BankUnavailableError();
      }
      this.#logger?.info({ method: req.method, path: loggedPath(req.path), try: attempt + 1, reason: result.reason }, 'stripe api request retried');
      // Up to a quarter more, so instances that failed together do not retry together.
      await sleep(delay + Math.floor(Math.random() * (delay / 4)));
    }
  }

  async #try(req: StripeRequest): Promise<TryResult> {
    const encoded = req.params ? formEncode(req.params) : '';
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.#secretKey}`,
      'Stripe-Version': STRIPE_API_VERSION,
      'User-Agent': STRIPE_USER_AGENT,
      Accept: 'application/json',
    };
    if (req.method === 'POST') {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      if (req.idempotencyKey) headers['Idempotency-Key'] = req.idempotencyKey;
    }
    const url = `${this.#apiBase}${req.path}${req.method === 'GET' && encoded ? `?${encoded}` : ''}`;
    const timeoutMs = req.timeoutMs ?? this.#timeoutMs;
    const response = await callBank({
      method: req.method,
      url,
      headers,
      ...(req.method === 'POST' ? { body: encoded } : {}),
      maxAnswerBytes: MAX_RESPONSE_BYTES,
      timeoutMs,
    });
    if (response.kind === 'no_answer') return { ok: false, retryable: true, reason: response.reason === 'timeout' ? 'timeout' : response.code ? `network error (${response.code})` : 'network error' };

    const status = response.status;
    const body = parseJson(response.body);
    if (status >= 200 && status < 300) {
      if (body === undefined || body === null || typeof body !== 'object') return { ok: false, retryable: true, reason: `unreadable answer (HTTP ${status})` };
      return { ok: true, body };
    }
    // Stripe says when a retry can succeed; without the header: conflicts with a request still running
    // under the same idempotency key, rate limits and server errors.
    const shouldRetry = response.headers['stripe-should-retry'];
    const retryable = shouldRetry === 'true' || (shouldRetry !== 'false' && (status === 409 || status === 429 || status >= 500));
    if (retryable) return { ok: false, retryable: true, reason: `HTTP ${status}` };
    const error = (body as { error?: Record<string, unknown> } | undefined)?.error ?? {};
    const details: { type?: string; code?: string; param?: string } = {};
    const type = safeWord(error.type);
    const code = safeWord(error.code);
    const param = safeWord(error.param);
    if (type) details.type = type;
    if (code) details.code = code;
    if (param) details.param = param;
    return { ok: false, retryable: false, error: new StripeApiError(status, details) };
  }
}
