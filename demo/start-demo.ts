import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, createGateway, listenFailure, type GatewayApp, type GatewayConfig, type Logger } from '../src/index.js';
import { createDemoShop, type DemoShopOptions } from './shop/app.js';
import { createSandboxBank, type SandboxBank } from '../sandbox-bank/app.js';

export const DEMO_MERCHANT_ID = 'demo-merchant';
export const SANDBOX_BANK_ID = 'sandbox-bank';

export const DEFAULT_BANK_PORT = 3001;
export const DEFAULT_SHOP_PORT = 3002;
export const DEFAULT_MERCHANT_NAME = 'Demo Shop';
export const DEMO_CONSOLE_ADMIN = 'admin@demo.example';
/** Where the demo's order-paid emails go unless MERCHANT_EMAIL is set: the mail folder shows them. */
export const DEMO_MERCHANT_EMAIL = 'orders@demo-shop.example';

/** A host name or an IPv4 address: what a phone on the same network can type in a URL. */
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** The demo's own settings; the gateway's configuration knows nothing of them. */
export interface DemoOptions {
  /** The host name in every URL of the demo (DEMO_HOST, default localhost); the listeners bind to it unless `listenHost` says otherwise. */
  host?: string;
  /**
   * Interface the three listeners bind to: null for every interface (DEMO_HOST set, so that another
   * device reaches the demo at that name). Default: `host`, or every interface when `host` is unset.
   */
  listenHost?: string | null;
  /** The sandbox bank's port (SANDBOX_BANK_PORT, default 3001; 0 picks a free one). */
  bankPort?: number;
  /** The demo shop's port (DEMO_SHOP_PORT, default 3002; 0 picks a free one). */
  shopPort?: number;
  /** The shop's name on the checkout page and the bank's page (MERCHANT_NAME, default Demo Shop). */
  merchantName?: string;
  shop?: Pick<DemoShopOptions, 'webhookAvailable'>;
}

/** Reads the demo's settings from the environment; one line per bad value, like the gateway's own. */
export function demoOptionsFromEnv(env: Record<string, string | undefined>): DemoOptions {
  const problems: string[] = [];
  const port = (name: string): number | undefined => {
    const text = env[name]?.trim();
    if (!text) return undefined;
    const n = Number(text);
    if (!/^\d+$/.test(text) || n > 65535) problems.push(`${name}: must be a port number`);
    return n;
  };
  const bankPort = port('SANDBOX_BANK_PORT');
  const shopPort = port('DEMO_SHOP_PORT');
  const host = env.DEMO_HOST?.trim();
  if (host && !HOST_NAME.test(host)) problems.push('DEMO_HOST: must be a host name or an IPv4 address another device reaches this machine at, e.g. 192.168.1.20');
  if (problems.length) throw new ConfigError(problems);
  const merchantName = env.MERCHANT_NAME?.trim();
  const listenHost = env.HOST?.trim();
  return {
    // Another device reaches the demo at DEMO_HOST: the listeners take every interface (or HOST's).
    ...(host ? { host, listenHost: listenHost || null } : {}),
    ...(bankPort !== undefined ? { bankPort } : {}),
    ...(shopPort !== undefined ? { shopPort } : {}),
    ...(merchantName ? { merchantName } : {}),
  };
}

export interface Demo {
  gatewayUrl: string;
  bankUrl: string;
  shopUrl: string;
  /** The merchant console's admin made at start (a new password each start), for the banner. */
  consoleAdmin: { url: string; email: string; password: string };
  gateway: GatewayApp;
  bank: SandboxBank;
  close(): Promise<void>;
}

interface Listener {
  server: Server;
  port: number;
}

/** Opens one listener; a busy port is reported by the setting that chose it. */
async function listen(port: number, host: string | undefined, setting: string): Promise<Listener> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(listenFailure(err, setting, port)));
    server.listen(port, host, resolve);
  });
  return { server, port: (server.address() as AddressInfo).port };
}

/** The three listeners, or none: one that could not open closes the others before its error is told. */
async function listenAll(wanted: Array<[port: number, setting: string]>, host: string | undefined): Promise<Listener[]> {
  const results = await Promise.allSettled(wanted.map(([port, setting]) => listen(port, host, setting)));
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (!failure) return results.map((r) => (r as PromiseFulfilledResult<Listener>).value);
  for (const r of results) if (r.status === 'fulfilled') await new Promise((done) => r.value.server.close(done));
  throw failure.reason;
}

/** The sandbox bank's side of each protocol the gateway speaks, as connector settings. */
type SandboxConnectors = Required<Pick<GatewayConfig['connectors'], 'native' | 'sips' | 'monetico' | 'lyra'>>;

function sandboxConnectors(bankUrl: string) {
  // The operations API lets the demo shop capture and refund; the window is the sandbox bank's default (7 days).
  const native: SandboxConnectors['native'] = {
    id: SANDBOX_BANK_ID,
    merchantId: DEMO_MERCHANT_ID,
    paymentUrl: `${bankUrl}/pay`,
    jwksUrl: `${bankUrl}/.well-known/jwks.json`,
    operationsUrl: `${bankUrl}/operations`,
    captureWindowMs: 7 * 24 * 3_600_000,
  };
  // Worldline Sips 2.0: a 15-digit merchant id and a secret key made at start, registered at the sandbox bank too.
  const sips: SandboxConnectors['sips'] = {
    merchantId: '000000000001042',
    secretKeys: { '1': randomBytes(32).toString('hex') },
    keyVersion: '1',
    paymentUrl: `${bankUrl}/sips/paymentInit`,
    interfaceVersion: 'HP_2.20',
    legacySeal: false,
    encodeBase64: false,
    // The sandbox bank's Sips Office JSON back office: capture (validate), cancel, refund and status.
    officeUrl: `${bankUrl}/sips/office/rs-services/v2/`,
    captureDays: 7,
  };
  // Monetico Paiement: a TPE and a 40-hex security key made at start, on the sandbox's test server (answers `payetest`).
  const monetico: SandboxConnectors['monetico'] = {
    tpe: '1042000',
    key: randomBytes(20).toString('hex').toUpperCase(),
    company: 'demoshop',
    paymentUrl: `${bankUrl}/monetico/test/paiement.cgi`,
    macMethod: 'fields',
    version: '3.0',
    // capture_paiement.cgi and recredit_paiement.cgi beside paiement.cgi, as on Monetico's servers.
    operationsUrl: `${bankUrl}/monetico/test/`,
    capture: 'automatic',
  };
  // Lyra form API (PayZen, Systempay, Sogecommerce): an 8-digit shop id and a TEST key made at start, registered at the sandbox bank too.
  const lyra = {
    siteId: '10420001',
    ctxMode: 'TEST' as const,
    testKey: randomBytes(16).toString('hex'),
    paymentUrl: `${bankUrl}/lyra/vads-payment/`,
    signatureAlgorithm: 'HMAC-SHA-256' as const,
    // The REST API V4 for capture, cancel, refund and status, with a REST password made at start.
    rest: { url: `${bankUrl}/lyra`, password: `testpassword_${randomBytes(16).toString('hex')}` },
  } satisfies SandboxConnectors['lyra'];
  return { native, sips, monetico, lyra } satisfies SandboxConnectors;
}

/**
 * The whole demo on one machine: the gateway, the sandbox bank and the demo shop, wired to each other.
 * Ports may be 0 (tests): the listeners are opened first so every app knows the others' URLs.
 */
export async function startDemo(config: GatewayConfig, logger: Logger, options: DemoOptions = {}): Promise<Demo> {
  const listenHost = options.listenHost === undefined ? options.host : (options.listenHost ?? undefined);
  const [gw, bk, sh] = (await listenAll(
    [
      [config.port, 'PORT'],
      [options.bankPort ?? DEFAULT_BANK_PORT, 'SANDBOX_BANK_PORT'],
      [options.shopPort ?? DEFAULT_SHOP_PORT, 'DEMO_SHOP_PORT'],
    ],
    listenHost,
  )) as [Listener, Listener, Listener];
  const host = options.host ?? 'localhost';
  // DEMO_HOST names the gateway too: the buyer's phone must reach the checkout page at that name.
  const gatewayUrl = !options.host && config.publicUrl.includes(`:${config.port}`) && config.port !== 0 ? config.publicUrl : `http://${host}:${gw.port}`;
  const bankUrl = `http://${host}:${bk.port}`;
  const shopUrl = `http://${host}:${sh.port}`;

  const merchantName = options.merchantName ?? DEFAULT_MERCHANT_NAME;
  const connectors = sandboxConnectors(bankUrl);
  const { sips, monetico, lyra } = connectors;
  const bank = await createSandboxBank({
    bankId: SANDBOX_BANK_ID,
    publicUrl: bankUrl,
    merchants: [
      {
        merchantId: DEMO_MERCHANT_ID,
        jwksUrl: `${gatewayUrl}/.well-known/jwks.json`,
        displayName: merchantName,
        sips: { merchantId: sips.merchantId, keys: sips.secretKeys },
        monetico: { tpe: monetico.tpe, key: monetico.key, macMethod: monetico.macMethod, returnInterfaceUrl: `${gatewayUrl}/bank/monetico/notify` },
        lyra: { siteId: lyra.siteId, testKey: lyra.testKey, restPassword: lyra.rest.password },
      },
    ],
    logger: logger.child({ service: 'sandbox-bank' }),
  });
  // The shop is a webhook endpoint of the gateway; the HMAC secret they share is made at start unless one is configured.
  const webhookSecrets = config.notifications.webhookSecrets.length ? config.notifications.webhookSecrets : [randomBytes(32).toString('hex')];
  const gateway = await createGateway(
    {
      ...config,
      publicUrl: gatewayUrl,
      merchantName,
      connectors,
      returnUrlAllowlist: [...new Set([...config.returnUrlAllowlist, shopUrl])],
      // createGateway builds its store with the outbox targets of this config, the shop's webhook included.
      notifications: {
        ...config.notifications,
        webhookUrls: [...config.notifications.webhookUrls, `${shopUrl}/webhooks`],
        webhookSecrets,
        // The order-paid email is part of what the demo shows: it lands in the mail folder beside the receipts.
        merchantEmail: config.notifications.merchantEmail ?? DEMO_MERCHANT_EMAIL,
      },
    },
    { logger },
  );
  const shop = createDemoShop({
    publicUrl: shopUrl,
    gatewayUrl,
    apiKey: config.apiKeys[0]!,
    webhookSecret: webhookSecrets[0]!,
    connectors: gateway.gateway.connectors.all().map((c) => c.name),
    timeZone: config.merchantTimeZone,
    ...(options.shop?.webhookAvailable ? { webhookAvailable: options.shop.webhookAvailable } : {}),
    logger: logger.child({ service: 'demo-shop' }),
  });
  // An admin for the console, with a password made at start and shown in the banner only. On Redis
  // the admin of an earlier start is still there: its password is replaced.
  const consoleAdmin = { url: `${gatewayUrl}/console`, email: DEMO_CONSOLE_ADMIN, password: randomBytes(15).toString('base64url') };
  const users = gateway.gateway.consoleUsers;
  if (await users.get(consoleAdmin.email)) await users.resetPassword(consoleAdmin.email, consoleAdmin.password);
  else await users.add(consoleAdmin.email, 'admin', consoleAdmin.password);
  gw.server.on('request', gateway);
  bk.server.on('request', bank.app);
  sh.server.on('request', shop);

  return {
    gatewayUrl,
    bankUrl,
    shopUrl,
    consoleAdmin,
    gateway,
    bank,
    async close() {
      await bank.close();
      await gateway.gateway.close();
      for (const { server } of [gw, bk, sh]) {
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
      }
    },
  };
}
