import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGateway, type GatewayApp, type GatewayDeps } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { createSandboxBank, type SandboxBank } from '../../../src/sandbox-bank/app.js';
import { API_KEY, LogCapture, SHOP_ORIGIN } from '../../support/stack.js';

export { API_KEY, SHOP_ORIGIN };

export const SIPS_MERCHANT_ID = '011223344550000';
export const SIPS_KEYS = { '1': 'journey_sips_key_one_0123456789abcdef', '2': 'journey_sips_key_two_fedcba9876543210' } as const;

export interface SipsStack {
  gateway: GatewayApp;
  bank: SandboxBank;
  gatewayUrl: string;
  bankUrl: string;
  logs: LogCapture;
  api(path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; body: any }>;
  /** A payment to be paid through Sips (`connector: 'sips'`; the gateway's default stays native). */
  createPayment(overrides?: Record<string, unknown>): Promise<any>;
  close(): Promise<void>;
}

async function listenEmpty(): Promise<{ server: Server; url: string }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/**
 * The gateway with both the native and the Sips connectors, and the sandbox bank on the other side
 * of both, on loopback ports: the demo's wiring, with Sips keys fixed so tests can seal messages.
 */
export async function startSipsStack(options: { env?: Record<string, string>; deps?: Partial<GatewayDeps> } = {}): Promise<SipsStack> {
  const gw = await listenEmpty();
  const bk = await listenEmpty();
  const logs = new LogCapture();
  const logger = createLogger('info', logs);

  const config = loadConfig({
    NODE_ENV: 'test',
    PUBLIC_URL: gw.url,
    MERCHANT_API_KEYS: API_KEY,
    RETURN_URL_ALLOWLIST: SHOP_ORIGIN,
    BANK_ID: 'sandbox-bank',
    BANK_MERCHANT_ID: 'journey-merchant',
    BANK_PAYMENT_URL: `${bk.url}/pay`,
    BANK_JWKS_URL: `${bk.url}/.well-known/jwks.json`,
    SIPS_MERCHANT_ID,
    SIPS_SECRET_KEYS: Object.entries(SIPS_KEYS).map(([v, k]) => `${v}:${k}`).join(','),
    SIPS_KEY_VERSION: '2',
    SIPS_PAYMENT_URL: `${bk.url}/sips/paymentInit`,
    LOG_LEVEL: 'info',
    MAIL_OUTBOX_DIR: path.join(tmpdir(), `hpp-mail-${process.pid}`),
    ...options.env,
  });
  const bank = await createSandboxBank({
    bankId: 'sandbox-bank',
    publicUrl: bk.url,
    merchants: [{ merchantId: 'journey-merchant', jwksUrl: `${gw.url}/.well-known/jwks.json`, sips: { merchantId: SIPS_MERCHANT_ID, keys: SIPS_KEYS } }],
    notificationRetryDelaysMs: [50, 100, 200],
    logger: logger.child({ service: 'sandbox-bank' }),
  });
  const gateway = await createGateway(config, { logger, expirySweepMs: 0, ...options.deps });
  gw.server.on('request', gateway);
  bk.server.on('request', bank.app);

  const api: SipsStack['api'] = async (apiPath, init = {}) => {
    const res = await fetch(`${gw.url}/api/v1${apiPath}`, {
      method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
      headers: { authorization: `Bearer ${API_KEY}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };

  return {
    gateway,
    bank,
    gatewayUrl: gw.url,
    bankUrl: bk.url,
    logs,
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
          connector: 'sips',
          ...overrides,
        },
      });
      if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    async close() {
      await bank.close();
      await gateway.gateway.close();
      for (const server of [gw.server, bk.server]) {
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
      }
    },
  };
}
