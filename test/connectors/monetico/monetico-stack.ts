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

export const JOURNEY_TPE = '7000042';
/** A 40-character security key as a back office shows it (its final pair in the kit's shifted form). */
export const JOURNEY_KEY = '0123456789ABCDEF0123456789ABCDEF012345K7';

export interface MoneticoStack {
  gateway: GatewayApp;
  bank: SandboxBank;
  gatewayUrl: string;
  bankUrl: string;
  logs: LogCapture;
  api(path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; body: any }>;
  /** A payment to be paid through Monetico (`connector: 'monetico'`; the gateway's default stays native). */
  createPayment(overrides?: Record<string, unknown>): Promise<any>;
  close(): Promise<void>;
}

async function listenEmpty(): Promise<{ server: Server; url: string }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/**
 * The gateway with the native and the Monetico connectors, and the sandbox bank on the other side of
 * both, on loopback ports: the demo's wiring (Monetico's test server, `fields` MAC, the interface
 * retour registered at the bank), with the key fixed so tests can check MACs.
 */
export interface MoneticoStackOptions {
  env?: Record<string, string>;
  deps?: Partial<GatewayDeps>;
  macMethod?: 'fields' | 'positional';
  /** The interface retour registered at the bank; default the gateway's `/bank/monetico/notify`. */
  interfaceRetour?: (gatewayNotifyUrl: string) => string;
  /** The bank's waits before each retry of a server return; default 50, 100, 200 ms. */
  retryDelaysMs?: readonly number[];
}

export async function startMoneticoStack(options: MoneticoStackOptions = {}): Promise<MoneticoStack> {
  const gw = await listenEmpty();
  const bk = await listenEmpty();
  const logs = new LogCapture();
  const logger = createLogger('info', logs);
  const macMethod = options.macMethod ?? 'fields';

  const config = loadConfig({
    NODE_ENV: 'test',
    PUBLIC_URL: gw.url,
    MERCHANT_API_KEYS: API_KEY,
    RETURN_URL_ALLOWLIST: SHOP_ORIGIN,
    BANK_ID: 'sandbox-bank',
    BANK_MERCHANT_ID: 'journey-merchant',
    BANK_PAYMENT_URL: `${bk.url}/pay`,
    BANK_JWKS_URL: `${bk.url}/.well-known/jwks.json`,
    MONETICO_TPE: JOURNEY_TPE,
    MONETICO_KEY: JOURNEY_KEY,
    MONETICO_COMPANY: 'journeyshop',
    MONETICO_PAYMENT_URL: `${bk.url}/monetico/test/paiement.cgi`,
    MONETICO_MAC_METHOD: macMethod,
    LOG_LEVEL: 'info',
    MAIL_OUTBOX_DIR: path.join(tmpdir(), `hpp-mail-${process.pid}`),
    ...options.env,
  });
  const bank = await createSandboxBank({
    bankId: 'sandbox-bank',
    publicUrl: bk.url,
    merchants: [
      {
        merchantId: 'journey-merchant',
        jwksUrl: `${gw.url}/.well-known/jwks.json`,
        monetico: { tpe: JOURNEY_TPE, key: JOURNEY_KEY, macMethod, returnInterfaceUrl: (options.interfaceRetour ?? ((url) => url))(`${gw.url}/bank/monetico/notify`) },
      },
    ],
    notificationRetryDelaysMs: options.retryDelaysMs ?? [50, 100, 200],
    logger: logger.child({ service: 'sandbox-bank' }),
  });
  const gateway = await createGateway(config, { logger, expirySweepMs: 0, ...options.deps });
  gw.server.on('request', gateway);
  bk.server.on('request', bank.app);

  const api: MoneticoStack['api'] = async (apiPath, init = {}) => {
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
          connector: 'monetico',
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
