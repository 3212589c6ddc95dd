import { callBank } from '../bank-http.js';
import type { Logger } from '../../logger.js';
import { LYRA_REST_PATH_PREFIX, lyraBasicAuthorization, type LyraRestError, type LyraRestService } from '../../protocols/lyra/rest-api.js';

/** One try, connection to the whole answer. */
export const DEFAULT_REST_TIMEOUT_MS = 10_000;
/** A transaction or an order's list of them is a few KB; more is not an answer to read. */
const MAX_ANSWER_BYTES = 256 * 1024;

export interface LyraRestClientOptions {
  /** LYRA_REST_URL, without a trailing slash. */
  baseUrl: string;
  /** vads_site_id: the Basic auth user name. */
  shopId: string;
  /** LYRA_REST_PASSWORD: never logged, never in an error. */
  password: string;
  timeoutMs?: number;
  logger?: Logger;
}

/**
 * What one call brought back. `no_answer` covers a timeout, a cut connection, a 5xx and a body that is
 * not the V4 envelope: none of them says whether Lyra did the operation.
 */
export type LyraRestResult =
  | { kind: 'success'; answer: Record<string, unknown> }
  | { kind: 'error'; error: LyraRestError }
  | { kind: 'no_answer'; reason: string };


const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The V4 envelope of a body, or why it is none. */
export function readEnvelope(body: string, service: LyraRestService): LyraRestResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { kind: 'no_answer', reason: 'unreadable_answer' };
  }
  if (!isObject(parsed) || parsed.version !== 'V4' || !isObject(parsed.answer)) return { kind: 'no_answer', reason: 'not_a_v4_response' };
  // An answer of another service is not an answer to this request.
  if (typeof parsed.webService === 'string' && parsed.webService !== service) return { kind: 'no_answer', reason: 'answer_of_another_service' };
  if (parsed.status === 'SUCCESS') return { kind: 'success', answer: parsed.answer };
  if (parsed.status === 'ERROR' && typeof parsed.answer.errorCode === 'string' && /^[A-Z]{2,8}_\d{3}$/.test(parsed.answer.errorCode)) {
    return { kind: 'error', error: parsed.answer as unknown as LyraRestError };
  }
  return { kind: 'no_answer', reason: 'unknown_envelope_status' };
}

/**
 * Calls one service of Lyra's REST API V4: `POST <base>/api-payment/V4/<Service>`, JSON, Basic auth
 * `shopId:password` (kb/authentication.html). REST answers are not signed (TLS only): nothing to verify
 * but their shape, and that they answer the service asked.
 */
export class LyraRestClient {
  private readonly options: LyraRestClientOptions;
  private readonly authorization: string;

  constructor(options: LyraRestClientOptions) {
    this.options = options;
    this.authorization = lyraBasicAuthorization(options.shopId, options.password);
  }

  async call(service: LyraRestService, body: Record<string, unknown>): Promise<LyraRestResult> {
    const timeout = this.options.timeoutMs ?? DEFAULT_REST_TIMEOUT_MS;
    const response = await callBank({
      url: `${this.options.baseUrl}${LYRA_REST_PATH_PREFIX}${service}`,
      body: JSON.stringify(body),
      headers: { Authorization: this.authorization, 'Content-Type': 'application/json', Accept: 'application/json' },
      maxAnswerBytes: MAX_ANSWER_BYTES,
      timeoutMs: timeout,
    });
    if (response.kind === 'no_answer') return this.noAnswer(service, response.reason);
    if (response.status >= 500) return this.noAnswer(service, `http_${response.status}`);
    const result = readEnvelope(response.body, service);
    if (result.kind === 'no_answer') return this.noAnswer(service, result.reason);
    if (result.kind === 'error') this.options.logger?.info({ connector: 'lyra', service, errorCode: result.error.errorCode }, 'Lyra REST error answer');
    return result;
  }

  private noAnswer(service: LyraRestService, reason: string): LyraRestResult {
    // The service and a fixed word only: the request holds the Authorization header.
    this.options.logger?.warn({ connector: 'lyra', service, reason }, 'bank operation without answer');
    return { kind: 'no_answer', reason };
  }
}
