import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { Express } from 'express';
import { createGateway, type GatewayApp, type GatewayDeps } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createSandboxBank, type SandboxBank } from '../../sandbox-bank/app.js';
import type { MerchantCredentials } from '../../sandbox-bank/merchants.js';

export const API_KEY = 'sk_test_journey_key_1';
export const SHOP_ORIGIN = 'https://shop.example';
/** The gateway's merchant id at the sandbox bank. */
export const BANK_MERCHANT_ID = 'journey-merchant';

/** Collects every log line written, to scan them for secrets after a journey. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
  text(): string {
    return this.lines.join('\n');
  }
}

async function listenEmpty(): Promise<{ server: Server; url: string }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function attach(server: Server, app: Express): void {
  server.on('request', app);
}

export interface Stack {
  gateway: GatewayApp;
  bank: SandboxBank;
  gatewayUrl: string;
  bankUrl: string;
  logs: LogCapture;
  /** Moves the gateway's clock. */
  advance(ms: number): void;
  api(path: string, init?: { method?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  createPayment(overrides?: Record<string, unknown>): Promise<any>;
  close(): Promise<void>;
}

/** The base URLs of the two servers, for settings that point from one to the other. */
export interface StackUrls {
  gatewayUrl: string;
  bankUrl: string;
}

/** A bank connector set up on both sides: its variables for the gateway, and the merchant's credentials for it at the bank. */
export interface ConnectorWiring {
  /** The `connector` of the payments the stack creates. */
  name: string;
  env(urls: StackUrls): Record<string, string>;
  credentials(urls: StackUrls): MerchantCredentials;
}

export interface StackOptions {
  /** Added to the gateway's variables last, so they override the rest. */
  env?: Record<string, string>;
  deps?: Partial<GatewayDeps>;
  /** A connector beside the native one (which stays the default); `createPayment` asks for it. */
  connector?: ConnectorWiring;
  /** The bank's waits before each retry of a notification; default 50, 100, 200 ms. */
  bankRetryDelaysMs?: readonly number[];
}

/** The gateway and the sandbox bank on ephemeral loopback ports, wired to each other as in the demo. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const gw = await listenEmpty();
  const bk = await listenEmpty();
  const logs = new LogCapture();
  const logger = createLogger('info', logs);
  let offset = 0;
  const clock = () => new Date(Date.now() + offset);
  const urls: StackUrls = { gatewayUrl: gw.url, bankUrl: bk.url };

  const config = loadConfig({
    NODE_ENV: 'test',
    MERCHANT_NAME: 'Demo Shop',
    PUBLIC_URL: gw.url,
    MERCHANT_API_KEYS: API_KEY,
    RETURN_URL_ALLOWLIST: SHOP_ORIGIN,
    BANK_ID: 'sandbox-bank',
    BANK_MERCHANT_ID,
    BANK_PAYMENT_URL: `${bk.url}/pay`,
    BANK_JWKS_URL: `${bk.url}/.well-known/jwks.json`,
    LOG_LEVEL: 'info',
    MAIL_OUTBOX_DIR: path.join(tmpdir(), `hpp-mail-${process.pid}`),
    ...options.connector?.env(urls),
    ...options.env,
  });
  const bank = await createSandboxBank({
    bankId: 'sandbox-bank',
    publicUrl: bk.url,
    merchants: [{ merchantId: BANK_MERCHANT_ID, jwksUrl: `${gw.url}/.well-known/jwks.json`, ...options.connector?.credentials(urls) }],
    notificationRetryDelaysMs: options.bankRetryDelaysMs ?? [50, 100, 200],
    logger: logger.child({ service: 'sandbox-bank' }),
  });
  const gateway = await createGateway(config, { logger, clock, expirySweepMs: 0, reconcileMs: 0, ...options.deps });
  attach(gw.server, gateway);
  attach(bk.server, bank.app);

  const api: Stack['api'] = async (path, init = {}) => {
    const res = await fetch(`${gw.url}/api/v1${path}`, {
      method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
      headers: { authorization: `Bearer ${API_KEY}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
      ...(init.body !== undefined ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  };

  return {
    gateway,
    bank,
    gatewayUrl: gw.url,
    bankUrl: bk.url,
    logs,
    advance(ms) {
      offset += ms;
    },
    api,
    async createPayment(overrides = {}) {
      const res = await api('/payments', {
        body: {
          amount: 2480,
          currency: 'EUR',
          reference: `order-${Math.random().toString(36).slice(2, 10)}`,
          description: 'A T-shirt',
          returnUrl: `${SHOP_ORIGIN}/orders/1`,
          customer: { locale: 'en', email: 'buyer@example.com' },
          ...(options.connector ? { connector: options.connector.name } : {}),
          ...overrides,
        },
      });
      if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    async close() {
      await bank.close();
      await gateway.gateway.close();
      gw.server.closeAllConnections();
      bk.server.closeAllConnections();
      await new Promise((r) => gw.server.close(r));
      await new Promise((r) => bk.server.close(r));
    },
  };
}
