import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from './core/random-bytes.js';

/**
 * The id of the request being served, kept in an AsyncLocalStorage for everything that runs on its
 * behalf: log lines (the logger's mixin), outgoing bank calls (connectors' HTTP client) and webhooks.
 * An ambient context rather than a parameter, so no connector, service or store signature has to
 * carry an id it does nothing with, and code written later gets it without being changed.
 */
const context = new AsyncLocalStorage<{ requestId: string }>();

/** The header the id travels in, both ways. */
export const REQUEST_ID_HEADER = 'X-Request-Id';

// Well formed: what a proxy or a shop may have made (uuid, ulid, hex, dotted); nothing that could
// break a log line or a header.
const WELL_FORMED = /^[A-Za-z0-9._-]{1,128}$/;

/** A fresh id: 96 random bits, url-safe. */
export function newRequestId(): string {
  return `req_${randomBytes(12).toString('base64url')}`;
}

/** The caller's id when it is well formed, a fresh one otherwise. */
export function requestIdFrom(header: string | undefined): string {
  return header !== undefined && WELL_FORMED.test(header) ? header : newRequestId();
}

/** Runs `fn` (and everything it starts) on behalf of the request `requestId`. */
export function runWithRequestId<T>(requestId: string, fn: () => T): T {
  return context.run({ requestId }, fn);
}

/** The id of the request this code runs for, if any. */
export function currentRequestId(): string | undefined {
  return context.getStore()?.requestId;
}
