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
