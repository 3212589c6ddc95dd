import { existsSync } from 'node:fs';
import { z } from 'zod';
import { readConnectorSettings, type ConfiguredConnectors } from './connectors/modules.js';
import { ALLOWED_ALGORITHMS, type SigningAlgorithm } from './keys/algorithms.js';

export interface GatewayConfig {
  env: 'development' | 'production' | 'test';
  port: number;
  /** Interface to listen on (all interfaces when unset). */
  host?: string;
  /** Absolute base URL buyers and banks reach the gateway at (checkout and callback URLs are built on it). */
  publicUrl: string;
  merchantName: string;
  /** IANA time zone the merchant reads times in (MERCHANT_TIME_ZONE, default UTC): emails and the buyer's pages. */
  merchantTimeZone: string;
  /** What the buyer's pages show of the merchant: logo file and accent colour (MERCHANT_LOGO, MERCHANT_ACCENT_COLOR). */
  branding: { logo?: { file: string; type: string }; accentColor?: string };
  /**
   * `confirm`: the checkout page waits for the buyer's "Pay"; `direct`: it sends itself on to the bank
   * (CHECKOUT_MODE; a payment may choose with `checkout`).
   */
  checkoutMode: 'confirm' | 'direct';
  apiKeys: string[];
  maxAmount: number;
  paymentTtlMs: number;
  attemptReuseMs: number;
  /** How long a payment or refund waits for the bank's word before the gateway asks (status query). */
  reconcileAfterMs: number;
  /** Origins a payment's returnUrl may point to. */
  returnUrlAllowlist: string[];
  redisUrl?: string;
  /** Redis found through Sentinel (REDIS_SENTINELS): the gateway follows the primary Sentinel names. */
  redisSentinel?: RedisSentinelConfig;
  /** Redis Cluster (REDIS_CLUSTER_NODES): the seed nodes; the client learns the rest of the cluster from them. */
  redisCluster?: RedisClusterConfig;
  redisPrefix: string;
  /** Replicas that must confirm each acknowledged write (REDIS_MIN_REPLICAS_ACK, 0: none) and for how long WAIT waits (REDIS_REPLICAS_ACK_TIMEOUT). */
  redisReplicaAck: { replicas: number; timeoutMs: number };
  /** Gateway processes on this machine sharing the port (WEB_CONCURRENCY); 1 runs no cluster at all. */
  webConcurrency: number;
  /** How long a stopping process lets requests in flight finish before cutting their connections. */
  shutdownTimeoutMs: number;
  sessionSecret: string[];
  trustProxy: boolean | number | string;
  keysFile?: string;
  signingAlgorithm: SigningAlgorithm;
  /** Settings of every configured bank connector, typed per connector (src/connectors/modules.ts). */
  connectors: ConfiguredConnectors;
  /** Connector of payments created without one; default: the first configured. */
  defaultConnector?: string;
  bodyLimit: string;
  logLevel: string;
  /** Readable lines or JSON on standard output (LOG_FORMAT; auto: readable on a terminal). */
  logFormat: 'auto' | 'pretty' | 'json';
  /** Bearer token /metrics asks for (METRICS_TOKEN); without it, /metrics is open (keep it off the public network). */
  metricsToken?: string;
  notifications: NotificationConfig;
  rateLimits: { apiPerMinute: number; buyerPerMinute: number };
  /**
   * The merchant console: session inactivity limit, failed sign-ins allowed per 15 minutes per account
   * and per IP, and console requests allowed per minute per signed-in user and per IP.
   */
  console: { inactivityMs: number; signInFailuresPerAccount: number; signInFailuresPerIp: number; requestsPerUserPerMinute: number; requestsPerIpPerMinute: number };
  /** HTTPS served by the gateway itself, and the CA whose client certificates the bank must present on notifications. */
  tls?: { certFile: string; keyFile: string; bankClientCaFile?: string };
  /** TLS for merchant webhook endpoints: the client certificate presented (mutual TLS) and/or a private CA trusted. */
  webhookClientTls?: { certFile?: string; keyFile?: string; caFile?: string };
}

export interface RedisSentinelConfig {
  sentinels: Array<{ host: string; port: number }>;
  /** The name the sentinels monitor the primary under (REDIS_SENTINEL_MASTER). */
  masterName: string;
  /** AUTH for the sentinels themselves (REDIS_SENTINEL_PASSWORD). */
  sentinelPassword?: string;
  /** AUTH for the primary and replicas (REDIS_PASSWORD). */
  password?: string;
  /** TLS to the sentinels (REDIS_SENTINEL_TLS=true). */
  sentinelTls?: boolean;
  /** TLS to the primary and replicas Sentinel names (REDIS_TLS=true). */
  tls?: boolean;
}

export interface RedisClusterConfig {
  /** Seed nodes (REDIS_CLUSTER_NODES); any reachable one is enough to learn the others. */
  nodes: Array<{ host: string; port: number }>;
  /** AUTH for every node (REDIS_PASSWORD). */
  password?: string;
  /** TLS to every node (REDIS_TLS=true). */
  tls?: boolean;
}

export interface NotificationConfig {
  webhookUrls: string[];
  webhookSecrets: string[];
  webhookTimeoutMs: number;
  /** Retries stop (the delivery is dead) this long after the event was queued. */
  webhookMaxAgeMs: number;
  smtpUrl?: string;
  mailFrom: string;
  /** Where replies to the emails go (MAIL_REPLY_TO), when not to MAIL_FROM. */
  mailReplyTo?: string;
  /** The shop's address for buyers' questions (SHOP_CONTACT_EMAIL), named in their receipts. */
  shopContactEmail?: string;
  merchantEmail?: string;
  /** Email a receipt to buyers who gave an address (BUYER_RECEIPTS). */
  buyerReceipts: boolean;
  mailOutboxDir: string;
  /** Run the delivery worker inside the gateway process (turn off when `npm run worker` processes do it). */
  inProcessWorker: boolean;
  /** A claimed delivery whose worker went silent this long is handed to another worker. */
  leaseMs: number;
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

const DEV_API_KEY = 'sk_test_demo';
/** Keys of this form are published (the development default) or made for tests: never production keys. */
const TEST_KEY_PREFIX = 'sk_test_';
const DEV_SESSION_SECRET = 'dev-only-session-secret-change-me';

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** `30m`, `90s`, `2h`, `1d` or plain seconds. */
export function parseDuration(text: string): number | null {
  const match = /^(\d+)\s*(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) return null;
  const n = Number(match[1]);
  const unit = match[2] ?? 's';
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit]!;
  return n * factor;
}

const absoluteUrl = (name: string) =>
  z.string().refine(
    (v) => {
      try {
        const u = new URL(v);
        return u.protocol === 'http:' || u.protocol === 'https:';
      } catch {
        return false;
      }
    },
    { message: `${name} must be an absolute http(s) URL` },
  );

/** A time zone Intl knows (IANA name such as Europe/Paris, or UTC). */
function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** The default sender outside development: the host buyers know the gateway by, never localhost. */
function defaultMailFrom(env: string, publicUrl: string): string {
  const host = new URL(publicUrl).hostname;
  if (env === 'development' || isLocalHost(host)) return DEV_MAIL_FROM;
  return `"Payments" <payments@${host}>`;
}

function isLocalHost(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || /^[\d.]+$/.test(host) || host.includes(':') || host.startsWith('[');
}

const DEV_MAIL_FROM = '"Payments" <payments@localhost>';

const duration = (name: string, fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      const ms = parseDuration(v);
      if (ms === null || ms <= 0) {
        ctx.addIssue({ code: 'custom', message: `${name} must be a duration like 30m, 90s or 2h` });
        return z.NEVER;
      }
      return ms;
    });

const port = (name: string, fallback: number) =>
  z.coerce
    .number({ message: `${name} must be a port number` })
    .int({ message: `${name} must be a port number` })
    .min(0, { message: `${name} must be a port number` })
    .max(65535, { message: `${name} must be a port number` })
    .default(fallback);


/** Image types the gateway serves a merchant logo as, by file extension. */
const LOGO_TYPES: Readonly<Record<string, string>> = { '.png': 'image/png', '.svg': 'image/svg+xml', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp' };

function extensionOf(file: string): string {
  return /\.[A-Za-z]+$/.exec(file)?.[0]?.toLowerCase() ?? '';
}

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test'], { message: 'NODE_ENV must be development, production or test' }).default('development'),
  PORT: port('PORT', 3000),
  HOST: z.string().min(1).optional(),
  PUBLIC_URL: absoluteUrl('PUBLIC_URL').optional(),
  MERCHANT_NAME: z.string().min(1).max(100).optional(),
  MERCHANT_API_KEYS: z.string().optional(),
  MERCHANT_LOGO: z.string().min(1).optional(),
  MERCHANT_ACCENT_COLOR: z.string().regex(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, { message: 'MERCHANT_ACCENT_COLOR must be a hex colour, #rgb or #rrggbb' }).optional(),
  CHECKOUT_MODE: z.enum(['confirm', 'direct'], { message: 'CHECKOUT_MODE must be confirm (the buyer presses Pay) or direct (straight on to the bank)' }).default('confirm'),
  MAX_AMOUNT: z.coerce.number({ message: 'MAX_AMOUNT must be an integer' }).int({ message: 'MAX_AMOUNT must be an integer' }).positive({ message: 'MAX_AMOUNT must be positive' }).max(Number.MAX_SAFE_INTEGER).default(100_000_000),
  PAYMENT_TTL: duration('PAYMENT_TTL', '30m'),
  ATTEMPT_REUSE_WINDOW: duration('ATTEMPT_REUSE_WINDOW', '10m'),
  RECONCILE_AFTER: duration('RECONCILE_AFTER', '10m'),
  RETURN_URL_ALLOWLIST: z.string().optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, { message: 'REDIS_URL must start with redis:// or rediss://' }).optional(),
  REDIS_SENTINELS: z.string().optional(),
  REDIS_SENTINEL_MASTER: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { message: 'REDIS_SENTINEL_MASTER must be 1-64 of [A-Za-z0-9._-] (the name in the sentinels\' `sentinel monitor` line)' }).optional(),
  REDIS_SENTINEL_PASSWORD: z.string().optional(),
  REDIS_PASSWORD: z.string().optional(),
  REDIS_CLUSTER_NODES: z.string().optional(),
  REDIS_TLS: z.enum(['true', 'false'], { message: 'REDIS_TLS must be true or false' }).optional(),
  REDIS_SENTINEL_TLS: z.enum(['true', 'false'], { message: 'REDIS_SENTINEL_TLS must be true or false' }).optional(),
  REDIS_MIN_REPLICAS_ACK: z.coerce.number({ message: 'REDIS_MIN_REPLICAS_ACK must be a whole number of replicas from 0 to 10' }).int({ message: 'REDIS_MIN_REPLICAS_ACK must be a whole number of replicas from 0 to 10' }).min(0, { message: 'REDIS_MIN_REPLICAS_ACK must be a whole number of replicas from 0 to 10' }).max(10, { message: 'REDIS_MIN_REPLICAS_ACK must be a whole number of replicas from 0 to 10' }).default(0),
  REDIS_REPLICAS_ACK_TIMEOUT: duration('REDIS_REPLICAS_ACK_TIMEOUT', '500ms'),
  WEB_CONCURRENCY: z.coerce.number({ message: 'WEB_CONCURRENCY must be a whole number of processes from 1 to 64' }).int({ message: 'WEB_CONCURRENCY must be a whole number of processes from 1 to 64' }).min(1, { message: 'WEB_CONCURRENCY must be a whole number of processes from 1 to 64' }).max(64, { message: 'WEB_CONCURRENCY must be a whole number of processes from 1 to 64' }).default(1),
  SHUTDOWN_TIMEOUT: duration('SHUTDOWN_TIMEOUT', '10s'),
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]{1,32}$/, { message: 'REDIS_PREFIX must be 1-32 of [A-Za-z0-9:_-]' }).default('hpp:'),
  SESSION_SECRET: z.string().optional(),
  TRUST_PROXY: z.string().optional(),
  GATEWAY_KEYS_FILE: z.string().optional(),
  SIGNING_ALG: z.enum(ALLOWED_ALGORITHMS, { message: `SIGNING_ALG must be one of ${ALLOWED_ALGORITHMS.join(', ')}` }).default('EdDSA'),
  BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/, { message: 'BODY_LIMIT must look like 32kb' }).default('32kb'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['auto', 'pretty', 'json'], { message: 'LOG_FORMAT must be auto, pretty or json' }).default('auto'),
  METRICS_TOKEN: z.string().regex(/^[\x21-\x7e]{16,256}$/, { message: 'METRICS_TOKEN must be 16-256 printable characters without spaces' }).optional(),
  MERCHANT_WEBHOOK_URL: z.string().optional(),
  MERCHANT_WEBHOOK_SECRET: z.string().optional(),
  WEBHOOK_TIMEOUT: duration('WEBHOOK_TIMEOUT', '10s'),
  WEBHOOK_MAX_AGE: duration('WEBHOOK_MAX_AGE', '3d'),
  SMTP_URL: z.string().regex(/^smtps?:\/\//, { message: 'SMTP_URL must start with smtp:// or smtps://' }).optional(),
  MAIL_FROM: z.string().min(3).optional(),
  MAIL_REPLY_TO: z.email({ message: 'MAIL_REPLY_TO must be an email address' }).optional(),
  SHOP_CONTACT_EMAIL: z.email({ message: 'SHOP_CONTACT_EMAIL must be an email address' }).optional(),
  MERCHANT_TIME_ZONE: z.string().refine(isTimeZone, { message: 'MERCHANT_TIME_ZONE must be a time zone such as Europe/Paris or UTC (an IANA name)' }).default('UTC'),
  MERCHANT_EMAIL: z.email({ message: 'MERCHANT_EMAIL must be an email address' }).optional(),
  MAIL_OUTBOX_DIR: z.string().default('var/mail'),
  BUYER_RECEIPTS: z.enum(['on', 'off'], { message: 'BUYER_RECEIPTS must be on or off' }).default('on'),
  RATE_LIMIT_API: z.coerce.number({ message: 'RATE_LIMIT_API must be a whole number of requests per minute' }).int().positive().default(600),
  CONSOLE_INACTIVITY: duration('CONSOLE_INACTIVITY', '30m'),
  CONSOLE_SIGNIN_FAILURES_ACCOUNT: z.coerce.number({ message: 'CONSOLE_SIGNIN_FAILURES_ACCOUNT must be a whole number of failed sign-ins per 15 minutes' }).int({ message: 'CONSOLE_SIGNIN_FAILURES_ACCOUNT must be a whole number of failed sign-ins per 15 minutes' }).positive({ message: 'CONSOLE_SIGNIN_FAILURES_ACCOUNT must be a whole number of failed sign-ins per 15 minutes' }).default(5),
  CONSOLE_SIGNIN_FAILURES_IP: z.coerce.number({ message: 'CONSOLE_SIGNIN_FAILURES_IP must be a whole number of failed sign-ins per 15 minutes' }).int({ message: 'CONSOLE_SIGNIN_FAILURES_IP must be a whole number of failed sign-ins per 15 minutes' }).positive({ message: 'CONSOLE_SIGNIN_FAILURES_IP must be a whole number of failed sign-ins per 15 minutes' }).default(20),
  RATE_LIMIT_BUYER: z.coerce.number({ message: 'RATE_LIMIT_BUYER must be a whole number of requests per minute' }).int().positive().default(120),
  RATE_LIMIT_CONSOLE_USER: z.coerce.number({ message: 'RATE_LIMIT_CONSOLE_USER must be a whole number of requests per minute' }).int().positive().default(300),
  RATE_LIMIT_CONSOLE_IP: z.coerce.number({ message: 'RATE_LIMIT_CONSOLE_IP must be a whole number of requests per minute' }).int().positive().default(600),
  TLS_CERT: z.string().optional(),
  TLS_KEY: z.string().optional(),
  BANK_CLIENT_CA: z.string().optional(),
  WEBHOOK_CLIENT_CERT: z.string().optional(),
  WEBHOOK_CLIENT_KEY: z.string().optional(),
  WEBHOOK_CA: z.string().optional(),
  OUTBOX_LEASE: duration('OUTBOX_LEASE', '60s'),
  DELIVERY_WORKER: z.enum(['on', 'off'], { message: 'DELIVERY_WORKER must be on or off' }).default('on'),
});

function originOf(value: string): string | null {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}

function parseTrustProxy(value: string | undefined): boolean | number | string {
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

/** host:port items of a comma-separated setting; one problem line per item that is not. */
function hostPorts(name: string, value: string | undefined, problems: string[]): Array<{ host: string; port: number }> {
  const found: Array<{ host: string; port: number }> = [];
  for (const item of list(value)) {
    const match = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(item);
    const portNumber = match ? Number(match[2]) : 0;
    if (!match || portNumber < 1 || portNumber > 65535) problems.push(`${name}: "${item}" is not host:port`);
    else found.push({ host: match[1]!.replace(/^\[|\]$/g, ''), port: portNumber });
  }
  return found;
}

/** REDIS_SENTINELS or REDIS_CLUSTER_NODES and their companions; one problem line per bad value. */
function readRedisTopology(e: z.infer<typeof schema>): { sentinel?: RedisSentinelConfig; cluster?: RedisClusterConfig; problems: string[] } {
  const problems: string[] = [];
  const tls = e.REDIS_TLS === 'true';
  if (e.REDIS_SENTINEL_TLS && !e.REDIS_SENTINELS) problems.push('REDIS_SENTINEL_TLS: needs REDIS_SENTINELS');
  if (e.REDIS_CLUSTER_NODES) {
    if (e.REDIS_URL) problems.push('REDIS_URL and REDIS_CLUSTER_NODES: set one of them');
    if (e.REDIS_SENTINELS) problems.push('REDIS_SENTINELS and REDIS_CLUSTER_NODES: set one of them (a Cluster fails over by itself, without sentinels)');
    if (e.REDIS_SENTINEL_MASTER) problems.push('REDIS_SENTINEL_MASTER: needs REDIS_SENTINELS, not REDIS_CLUSTER_NODES');
    if (e.REDIS_SENTINEL_PASSWORD) problems.push('REDIS_SENTINEL_PASSWORD: needs REDIS_SENTINELS, not REDIS_CLUSTER_NODES');
    const nodes = hostPorts('REDIS_CLUSTER_NODES', e.REDIS_CLUSTER_NODES, problems);
    if (problems.length > 0) return { problems };
    return { cluster: { nodes, ...(e.REDIS_PASSWORD ? { password: e.REDIS_PASSWORD } : {}), ...(tls ? { tls } : {}) }, problems };
  }
  if (!e.REDIS_SENTINELS) {
    if (e.REDIS_SENTINEL_MASTER) problems.push('REDIS_SENTINEL_MASTER: needs REDIS_SENTINELS (host:port of each sentinel, comma-separated)');
    if (e.REDIS_SENTINEL_PASSWORD) problems.push('REDIS_SENTINEL_PASSWORD: needs REDIS_SENTINELS');
    if (e.REDIS_PASSWORD) problems.push('REDIS_PASSWORD: used with REDIS_SENTINELS only, or with REDIS_CLUSTER_NODES (with REDIS_URL the password goes in the URL: redis://:password@host:6379)');
    if (e.REDIS_TLS) problems.push('REDIS_TLS: used with REDIS_SENTINELS or REDIS_CLUSTER_NODES (with REDIS_URL, TLS is the rediss:// scheme)');
    return { problems };
  }
  if (e.REDIS_URL) problems.push('REDIS_URL and REDIS_SENTINELS: set one of them (with Sentinel the primary\'s address comes from the sentinels)');
  if (!e.REDIS_SENTINEL_MASTER) problems.push('REDIS_SENTINEL_MASTER: required with REDIS_SENTINELS (the name the sentinels monitor the primary under)');
  const sentinels = hostPorts('REDIS_SENTINELS', e.REDIS_SENTINELS, problems);
  if (problems.length > 0) return { problems };
  return {
    sentinel: {
      sentinels,
      masterName: e.REDIS_SENTINEL_MASTER!,
      ...(e.REDIS_SENTINEL_PASSWORD ? { sentinelPassword: e.REDIS_SENTINEL_PASSWORD } : {}),
      ...(e.REDIS_PASSWORD ? { password: e.REDIS_PASSWORD } : {}),
      ...(e.REDIS_SENTINEL_TLS === 'true' ? { sentinelTls: true } : {}),
      ...(tls ? { tls } : {}),
    },
    problems,
  };
}

/**
 * Reads the environment once at start. Every bad or missing value becomes one line of a ConfigError,
 * so an operator sees all of them at once instead of fixing them one restart at a time.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  // An empty value (`BANK_ID=` copied from .env.example) means "not set".
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = schema.safeParse(given);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';

  let apiKeys = list(e.MERCHANT_API_KEYS);
  if (apiKeys.length === 0) {
    if (production) problems.push('MERCHANT_API_KEYS: required in production (comma-separated API keys)');
    apiKeys = [DEV_API_KEY];
  }
  for (const key of apiKeys) if (key.length < 12) problems.push('MERCHANT_API_KEYS: every key must be at least 12 characters');
  // The key itself is never printed: the message names the rule only.
  if (production && list(e.MERCHANT_API_KEYS).some((key) => key.startsWith(TEST_KEY_PREFIX))) {
    problems.push(`MERCHANT_API_KEYS: ${TEST_KEY_PREFIX}… keys are test keys (${DEV_API_KEY} is the published development default): use other keys in production`);
  }

  let sessionSecret = list(e.SESSION_SECRET);
  if (sessionSecret.length === 0) {
    if (production) problems.push('SESSION_SECRET: required in production (a long random string; comma-separate to rotate)');
    sessionSecret = [DEV_SESSION_SECRET];
  } else if (production && sessionSecret.some((s) => s.length < 32)) {
    problems.push('SESSION_SECRET: must be at least 32 characters in production');
  }

  const { sentinel, cluster, problems: redisProblems } = readRedisTopology(e);
  problems.push(...redisProblems);
  const shared = Boolean(e.REDIS_URL || sentinel || cluster);
  if (e.WEB_CONCURRENCY > 1 && !shared) {
    problems.push('WEB_CONCURRENCY: more than one process needs Redis (REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES): the in-process store cannot be shared between processes');
  }
  if (production && !shared) {
    problems.push('REDIS_URL: required in production, or REDIS_SENTINELS or REDIS_CLUSTER_NODES (the embedded in-process store loses payments on restart and cannot be shared between instances)');
  }
  if (production && !e.PUBLIC_URL) problems.push('PUBLIC_URL: required in production (the https URL buyers and the bank reach the gateway at)');
  // Checkout links, the bank's return and notification URLs are built on it: http would send them in clear
  // even behind a TLS proxy (then PUBLIC_URL is the proxy's https URL).
  if (production && e.PUBLIC_URL && new URL(e.PUBLIC_URL).protocol !== 'https:') {
    problems.push('PUBLIC_URL: must be https in production (behind a TLS-terminating proxy, the proxy\'s https URL)');
  }
  if (production && !e.GATEWAY_KEYS_FILE) problems.push('GATEWAY_KEYS_FILE: required in production (create one with `npm run keys`)');

  const allowlist: string[] = [];
  for (const item of list(e.RETURN_URL_ALLOWLIST)) {
    const origin = originOf(item);
    if (origin) allowlist.push(origin);
    else problems.push(`RETURN_URL_ALLOWLIST: "${item}" is not an http(s) origin`);
  }

  // Each bank protocol module reads its own variables (src/connectors/modules.ts).
  const { connectors, problems: connectorProblems } = readConnectorSettings(given, { production });
  problems.push(...connectorProblems);
  if (production && Object.keys(connectors).length === 0) {
    problems.push('BANK_ID, BANK_MERCHANT_ID, BANK_PAYMENT_URL, BANK_JWKS_URL (or another connector\'s settings, docs/connectors.md): required in production (the sandbox bank is for development only)');
  }
  const defaultConnector = given.BANK_CONNECTOR;
  if (defaultConnector !== undefined && !(defaultConnector in connectors)) {
    problems.push(`BANK_CONNECTOR: "${defaultConnector}" is not a configured connector (configured: ${Object.keys(connectors).join(', ') || 'none'})`);
  }

  const webhookUrls: string[] = [];
  for (const item of list(e.MERCHANT_WEBHOOK_URL)) {
    try {
      const url = new URL(item);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error();
      if (production && url.protocol !== 'https:') problems.push(`MERCHANT_WEBHOOK_URL: "${item}" must be https in production`);
      webhookUrls.push(url.toString());
    } catch {
      problems.push(`MERCHANT_WEBHOOK_URL: "${item}" is not an absolute http(s) URL`);
    }
  }
  const webhookSecrets = list(e.MERCHANT_WEBHOOK_SECRET);
  if (webhookSecrets.some((s) => s.length < 16)) problems.push('MERCHANT_WEBHOOK_SECRET: every secret must be at least 16 characters');

  // Without SMTP_URL emails are files under MAIL_OUTBOX_DIR: buyer receipts hold personal data and nobody gets them.
  const buyerReceipts = e.BUYER_RECEIPTS === 'on';
  if (production && !e.SMTP_URL && (buyerReceipts || e.MERCHANT_EMAIL)) {
    problems.push('SMTP_URL: required in production while emails are sent (buyer receipts, MERCHANT_EMAIL): without it they are written as files to MAIL_OUTBOX_DIR, development only; to send none, set BUYER_RECEIPTS=off and leave MERCHANT_EMAIL unset');
  }
  // Mail from @localhost is refused or filed as spam by receiving servers: production names a real sender.
  if (production && (buyerReceipts || e.MERCHANT_EMAIL) && (!e.MAIL_FROM || /@localhost\b/i.test(e.MAIL_FROM))) {
    problems.push('MAIL_FROM: required in production while emails are sent (buyer receipts, MERCHANT_EMAIL): an address of your domain, e.g. "Shop payments" <payments@shop.example>, not @localhost');
  }

  if (Boolean(e.TLS_CERT) !== Boolean(e.TLS_KEY)) problems.push('TLS_CERT and TLS_KEY: set both to serve HTTPS');
  if (e.BANK_CLIENT_CA && !e.TLS_CERT) problems.push('BANK_CLIENT_CA: needs TLS_CERT and TLS_KEY (client certificates are checked by the gateway\'s own HTTPS server)');
  if (Boolean(e.WEBHOOK_CLIENT_CERT) !== Boolean(e.WEBHOOK_CLIENT_KEY)) problems.push('WEBHOOK_CLIENT_CERT and WEBHOOK_CLIENT_KEY: set both to present a client certificate to webhook endpoints');

  if (e.MERCHANT_LOGO !== undefined) {
    if (!Object.hasOwn(LOGO_TYPES, extensionOf(e.MERCHANT_LOGO))) problems.push(`MERCHANT_LOGO: "${e.MERCHANT_LOGO}" must be a .png, .svg, .jpg or .webp file`);
    else if (!existsSync(e.MERCHANT_LOGO)) problems.push(`MERCHANT_LOGO: "${e.MERCHANT_LOGO}" does not exist`);
  }

  if (problems.length > 0) throw new ConfigError(problems);

  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    ...(e.HOST ? { host: e.HOST } : {}),
    publicUrl,
    // Without a name, buyers see the host they reached the gateway at.
    merchantName: e.MERCHANT_NAME ?? new URL(publicUrl).hostname,
    merchantTimeZone: e.MERCHANT_TIME_ZONE,
    branding: { ...(e.MERCHANT_LOGO ? { logo: { file: e.MERCHANT_LOGO, type: LOGO_TYPES[extensionOf(e.MERCHANT_LOGO)]! } } : {}), ...(e.MERCHANT_ACCENT_COLOR ? { accentColor: e.MERCHANT_ACCENT_COLOR.toLowerCase() } : {}) },
    checkoutMode: e.CHECKOUT_MODE,
    apiKeys,
    maxAmount: e.MAX_AMOUNT,
    paymentTtlMs: e.PAYMENT_TTL,
    attemptReuseMs: e.ATTEMPT_REUSE_WINDOW,
    reconcileAfterMs: e.RECONCILE_AFTER,
    returnUrlAllowlist: allowlist,
    ...(e.REDIS_URL ? { redisUrl: e.REDIS_URL } : {}),
    ...(sentinel ? { redisSentinel: sentinel } : {}),
    ...(cluster ? { redisCluster: cluster } : {}),
    redisPrefix: e.REDIS_PREFIX,
    redisReplicaAck: { replicas: e.REDIS_MIN_REPLICAS_ACK, timeoutMs: e.REDIS_REPLICAS_ACK_TIMEOUT },
    webConcurrency: e.WEB_CONCURRENCY,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT,
    sessionSecret,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    ...(e.GATEWAY_KEYS_FILE ? { keysFile: e.GATEWAY_KEYS_FILE } : {}),
    signingAlgorithm: e.SIGNING_ALG,
    connectors,
    ...(defaultConnector ? { defaultConnector } : {}),
    bodyLimit: e.BODY_LIMIT,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    ...(e.METRICS_TOKEN ? { metricsToken: e.METRICS_TOKEN } : {}),
    rateLimits: { apiPerMinute: e.RATE_LIMIT_API, buyerPerMinute: e.RATE_LIMIT_BUYER },
    console: {
      inactivityMs: e.CONSOLE_INACTIVITY,
      signInFailuresPerAccount: e.CONSOLE_SIGNIN_FAILURES_ACCOUNT,
      signInFailuresPerIp: e.CONSOLE_SIGNIN_FAILURES_IP,
      requestsPerUserPerMinute: e.RATE_LIMIT_CONSOLE_USER,
      requestsPerIpPerMinute: e.RATE_LIMIT_CONSOLE_IP,
    },
    ...(e.TLS_CERT && e.TLS_KEY ? { tls: { certFile: e.TLS_CERT, keyFile: e.TLS_KEY, ...(e.BANK_CLIENT_CA ? { bankClientCaFile: e.BANK_CLIENT_CA } : {}) } } : {}),
    ...((e.WEBHOOK_CLIENT_CERT && e.WEBHOOK_CLIENT_KEY) || e.WEBHOOK_CA
      ? {
          webhookClientTls: {
            ...(e.WEBHOOK_CLIENT_CERT && e.WEBHOOK_CLIENT_KEY ? { certFile: e.WEBHOOK_CLIENT_CERT, keyFile: e.WEBHOOK_CLIENT_KEY } : {}),
            ...(e.WEBHOOK_CA ? { caFile: e.WEBHOOK_CA } : {}),
          },
        }
      : {}),
    notifications: {
      webhookUrls,
      webhookSecrets,
      webhookTimeoutMs: e.WEBHOOK_TIMEOUT,
      webhookMaxAgeMs: e.WEBHOOK_MAX_AGE,
      ...(e.SMTP_URL ? { smtpUrl: e.SMTP_URL } : {}),
      mailFrom: e.MAIL_FROM ?? defaultMailFrom(e.NODE_ENV, publicUrl),
      ...(e.MAIL_REPLY_TO ? { mailReplyTo: e.MAIL_REPLY_TO } : {}),
      ...(e.SHOP_CONTACT_EMAIL ? { shopContactEmail: e.SHOP_CONTACT_EMAIL } : {}),
      ...(e.MERCHANT_EMAIL ? { merchantEmail: e.MERCHANT_EMAIL } : {}),
      buyerReceipts,
      mailOutboxDir: e.MAIL_OUTBOX_DIR,
      inProcessWorker: e.DELIVERY_WORKER === 'on',
      leaseMs: e.OUTBOX_LEASE,
    },
  };
}

/**
 * For process entry points: reads `.env` when present, then the environment; on bad settings prints
 * one line per problem and exits non-zero.
 */
export function loadConfigOrExit(): GatewayConfig {
  if (existsSync('.env')) process.loadEnvFile('.env');
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
}
