import axios, { AxiosHeaders } from 'axios';
import { currentRequestId, REQUEST_ID_HEADER } from '../request-context.js';

/**
 * The HTTP client of every server-to-server call to a bank (Stripe's API, operations after the
 * payment). It sends the id of the request being served (src/request-context.ts) as X-Request-Id, so
 * a call in the bank's logs and the gateway's line about it can be matched. Connectors use this
 * instance, never axios' global one: a shop mounting the gateway keeps its own axios untouched.
 */
export const bankHttp = axios.create();

bankHttp.interceptors.request.use((request) => {
  const requestId = currentRequestId();
  if (requestId) {
    request.headers = AxiosHeaders.from(request.headers);
    if (!request.headers.has(REQUEST_ID_HEADER)) request.headers.set(REQUEST_ID_HEADER, requestId);
  }
  return request;
});

/** One server-to-server call to a bank, its body already encoded as the bank's API wants it. */
export interface BankCall {
  method?: 'GET' | 'POST';
  url: string;
  body?: string;
  headers: Record<string, string>;
  /** A bank answer longer than this is no answer (the bank never sends one that long). */
  maxAnswerBytes: number;
  timeoutMs: number;
}

/** What came back: the status and raw text (nothing parsed yet: each protocol verifies first), or no answer. */
export type BankCallResult =
  | { kind: 'answer'; status: number; body: string; contentType: string; headers: Readonly<Record<string, unknown>> }
  | { kind: 'no_answer'; reason: 'timeout' | 'network_error'; code?: string };

/**
 * A call whose failure is never an exception: a bank that does not answer in time, cuts the
 * connection or cannot be reached gives `no_answer`, which an operation reads as "unknown" (it may
 * have been done), never as a refusal. Every status comes back as it is, redirects are never
 * followed (a bank API does not redirect, and following one would send the request elsewhere), and
 * the body is text, so that a signed or sealed answer is checked on the exact bytes received.
 */
export async function callBank(call: BankCall): Promise<BankCallResult> {
  try {
    const response = await bankHttp.request<string>({
      method: call.method ?? 'POST',
      url: call.url,
      headers: call.headers,
      data: call.body,
      transformRequest: [(data: unknown) => data],
      transformResponse: [(data: unknown) => data],
      responseType: 'text',
      validateStatus: () => true,
      maxRedirects: 0,
      maxContentLength: call.maxAnswerBytes,
      timeout: call.timeoutMs,
      // axios' timeout is an idle timeout on the socket; the signal bounds the whole exchange.
      signal: AbortSignal.timeout(call.timeoutMs),
    });
    return {
      kind: 'answer',
      status: response.status,
      body: typeof response.data === 'string' ? response.data : '',
      contentType: String(response.headers['content-type'] ?? ''),
      headers: response.headers as Readonly<Record<string, unknown>>,
    };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const reason = code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ERR_CANCELED' ? 'timeout' : 'network_error';
    return { kind: 'no_answer', reason, ...(typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? { code } : {}) };
  }
}
