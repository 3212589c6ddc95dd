import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type session from 'express-session';
import { Redis } from 'ioredis';
import { createGateway, type GatewayApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { GatewayKeystore } from '../../src/keys/keystore.js';
import type { BankConnector } from '../../src/connectors/bank-connector.js';
import type { ConnectorServices } from '../../src/connectors/connector-module.js';
import { createLogger } from '../../src/logger.js';
import type { GatewayStore } from '../../src/store/gateway-store.js';
import type { EventTargets } from '../../src/store/outbox.js';
import { MemoryPaymentStore } from '../../src/store/memory-store.js';
import { RedisPaymentStore } from '../../src/store/redis-store.js';
import { randomPrefix, requireRedis } from './redis-server.js';
import { BANK_ID, BANK_PAY_URL, FakeBank, MERCHANT_ID } from '../connectors/native/fake-bank.js';

export const API_KEY = 'sk_test_api_key_0001';
export const OTHER_API_KEY = 'sk_test_api_key_0002';
export const SHOP = 'https://shop.example';

export interface TestGateway {
  app: GatewayApp;
  bank: FakeBank;
  clock: { now: Date; advance(ms: number): void };
  logs: string[];
  close(): Promise<void>;
}

/** Builds a store for the outbox targets the gateway hands it (those of its notification channels). */
export type StoreFor = (outboxTargets: string[], auditTargets?: string[], eventTargets?: EventTargets) => GatewayStore;

/**
 * The store a test running on `kind` gives testGateway: none (the memory store), or a payment store
 * on the test Redis under a fresh prefix of its own (the test is skipped when no Redis can be run).
 */
export async function storeOfKind(kind: 'memory' | 'redis', ctx: Mocha.Context): Promise<StoreFor | undefined> {
  if (kind === 'memory') return undefined;
  const url = await requireRedis(ctx);
  const prefix = randomPrefix();
  return (outboxTargets) => new RedisPaymentStore(new Redis(url), { prefix, ownsConnection: true, outboxTargets });
}

/**
 * The store services of a connector built before its gateway's store: each call reaches the store
 * `built` gives by then (the gateway builds its store before any request).
 */
export function servicesOf(built: () => GatewayStore | undefined): ConnectorServices {
  const store = (): GatewayStore => {
    const found = built();
    if (!found) throw new Error('the store is not built yet');
    return found;
  };
  return { nextSequence: (scope, ttl) => store().nextSequence(scope, ttl), rememberOnce: (key, value, ttl) => store().rememberOnce(key, value, ttl) };
}

/** A gateway on the memory store (or the one given) with a FakeBank behind it: no network at all. */
export async function testGateway(
  options: {
    store?: StoreFor;
    env?: Record<string, string>;
    connectors?: (keystore: GatewayKeystore, bank: FakeBank) => BankConnector[];
    sessionStore?: session.Store;
    /** A clock standing still at this instant (moved only by the test), instead of one running from now. */
    fixedClock?: Date;
  } = {},
): Promise<TestGateway> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const clock = {
    now: options.fixedClock ?? new Date(),
    advance(ms: number) {
      this.now = new Date(this.now.getTime() + ms);
    },
  };
  const now = options.fixedClock ? () => new Date(clock.now.getTime()) : () => new Date(clock.now.getTime() + (Date.now() - started));
  const started = Date.now();
  const config = loadConfig({
    NODE_ENV: 'test',
    MERCHANT_NAME: 'Demo Shop',
    PUBLIC_URL: 'http://gateway.test',
    MERCHANT_API_KEYS: `${API_KEY},${OTHER_API_KEY}`,
    RETURN_URL_ALLOWLIST: SHOP,
    MAX_AMOUNT: '1000000',
    BANK_ID,
    BANK_MERCHANT_ID: MERCHANT_ID,
    BANK_PAYMENT_URL: BANK_PAY_URL,
    BANK_JWKS_FILE: '/unused-because-connector-is-given',
    LOG_LEVEL: 'info',
    MAIL_OUTBOX_DIR: path.join(tmpdir(), `hpp-mail-${process.pid}`),
    ...options.env,
  });
  const bank = await FakeBank.create();
  const keystore = await GatewayKeystore.ephemeral();
  const app = await createGateway(config, {
    store: options.store ?? ((outboxTargets, auditTargets, eventTargets) => new MemoryPaymentStore({ clock: now, outboxTargets, auditTargets, eventTargets })),
    ...(options.sessionStore ? { sessionStore: options.sessionStore } : {}),
    keystore,
    connectors: options.connectors ? options.connectors(keystore, bank) : [bank.connector(keystore, now)],
    logger: createLogger('info', sink),
    clock: now,
    expirySweepMs: 0,
    reconcileMs: 0,
    ...(options.sessionStore ? { sessionStore: options.sessionStore } : {}),
  });
  return { app, bank, clock, logs, close: () => app.gateway.close() };
}

export function validPayment(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    amount: 2480,
    currency: 'EUR',
    reference: `order-${Math.random().toString(36).slice(2, 10)}`,
    description: 'A T-shirt',
    customer: { email: 'buyer@example.com', locale: 'en' },
    returnUrl: `${SHOP}/orders/1`,
    metadata: { cart: '42' },
    ...overrides,
  };
}

/**
 * Waits (bounded) until every queued notification of the gateway has left, so that the log lines
 * captured next belong to the next request and not to the delivery worker sending an earlier email.
 */
export async function outboxDrained(gw: TestGateway, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await gw.app.gateway.store.outbox.pendingCount()) > 0) {
    if (Date.now() > deadline) throw new Error(`the outbox still had deliveries pending after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
