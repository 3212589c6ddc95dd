import { missing } from '../connector-module.js';
import { LYRA_SIGNATURE_ALGORITHMS, type LyraSignatureAlgorithm } from '../../protocols/lyra/signature.js';

/** Lyra's two contexts: each has its own key, and a response is only believed in the configured one. */
export type LyraCtxMode = 'TEST' | 'PRODUCTION';

export const LYRA_CTX_MODES: readonly LyraCtxMode[] = ['TEST', 'PRODUCTION'];

/** PayZen's payment page; Systempay is `https://paiement.systempay.fr/vads-payment/`. */
export const DEFAULT_PAYMENT_URL = 'https://secure.payzen.eu/vads-payment/';

export const DEFAULT_SIGNATURE_ALGORITHM: LyraSignatureAlgorithm = 'HMAC-SHA-256';

export interface LyraSettings {
  /** `vads_site_id`: the shop id, 8 digits. */
  siteId: string;
  ctxMode: LyraCtxMode;
  /** The shop's TEST key; required when ctxMode is TEST. */
  testKey?: string;
  /** The shop's PRODUCTION key; required when ctxMode is PRODUCTION. */
  productionKey?: string;
  paymentUrl: string;
  signatureAlgorithm: LyraSignatureAlgorithm;
  /**
   * The REST API V4, for capture, void, refund and status: its base URL (LYRA_REST_URL) and the shop's
   * REST password (LYRA_REST_PASSWORD, a secret: never logged). Absent: the connector has no operations.
   */
  rest?: { url: string; password: string };
  /** Manual capture: days Lyra keeps the authorisation to be validated (vads_capture_delay, LYRA_CAPTURE_DELAY_DAYS). */
  captureDelayDays?: number;
}

/** PayZen's REST API; Systempay is `https://api.systempay.fr`, Lyra Collect `https://api.lyra.com`. */
export const DEFAULT_REST_URL = 'https://api.payzen.eu';

/**
 * A card authorisation is usually good for 7 days; Lyra validates a manual payment at most
 * vads_capture_delay days after it, so 6 leaves a day to spare.
 */
export const DEFAULT_CAPTURE_DELAY_DAYS = 6;
const MAX_CAPTURE_DELAY_DAYS = 30;

// testpassword_… / prodpassword_… (kb/authentication.html); kept loose: the back office gives it.
const REST_PASSWORD = /^\S{8,256}$/;

export const LYRA_VARIABLES = [
  'LYRA_SITE_ID',
  'LYRA_TEST_KEY',
  'LYRA_PRODUCTION_KEY',
  'LYRA_CTX_MODE',
  'LYRA_PAYMENT_URL',
  'LYRA_SIGNATURE_ALGORITHM',
  'LYRA_REST_URL',
  'LYRA_REST_PASSWORD',
  'LYRA_CAPTURE_DELAY_DAYS',
] as const;

function isOneOf<T extends string>(list: readonly T[], value: string): value is T {
  return (list as readonly string[]).includes(value);
}

function urlProblem(value: string, production: boolean, name = 'LYRA_PAYMENT_URL', example = DEFAULT_PAYMENT_URL): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${name}: must be an absolute https URL (e.g. ${example})`;
  }
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && !production) return null;
  return production ? `${name}: must be https in production` : `${name}: must be an http(s) URL`;
}

const KEY = /^\S{1,128}$/;

/**
 * Reads the LYRA_* variables. Nothing set: Lyra is not configured. The key of the configured context is
 * required; the other one may be set too, so that switching context is one variable.
 * Production with LYRA_CTX_MODE=TEST is allowed (a shop going live runs its last tests that way).
 */
export function readLyraSettings(
  env: Readonly<Record<string, string | undefined>>,
  context: { production: boolean },
): { settings?: LyraSettings; problems: string[] } {
  if (!LYRA_VARIABLES.some((name) => env[name])) return { problems: [] };

  const problems = missing(env, ['LYRA_SITE_ID'], 'when Lyra is configured');
  const siteId = env.LYRA_SITE_ID ?? '';
  if (siteId && !/^\d{8}$/.test(siteId)) problems.push('LYRA_SITE_ID: must be the 8-digit shop id of the Lyra back office');

  const ctxMode = env.LYRA_CTX_MODE || 'TEST';
  if (!isOneOf(LYRA_CTX_MODES, ctxMode)) problems.push(`LYRA_CTX_MODE: must be TEST or PRODUCTION, not "${ctxMode}"`);
  else if (!env[`LYRA_${ctxMode}_KEY`]) problems.push(`LYRA_${ctxMode}_KEY: required when LYRA_CTX_MODE is ${ctxMode}`);
  for (const name of ['LYRA_TEST_KEY', 'LYRA_PRODUCTION_KEY'] as const) {
    const key = env[name];
    if (key && !KEY.test(key)) problems.push(`${name}: must be the key from the back office, without spaces`);
  }

  const paymentUrl = env.LYRA_PAYMENT_URL || DEFAULT_PAYMENT_URL;
  const urlIssue = urlProblem(paymentUrl, context.production);
  if (urlIssue) problems.push(urlIssue);

  const algorithm = env.LYRA_SIGNATURE_ALGORITHM || DEFAULT_SIGNATURE_ALGORITHM;
  if (!isOneOf(LYRA_SIGNATURE_ALGORITHMS, algorithm)) {
    problems.push(`LYRA_SIGNATURE_ALGORITHM: must be HMAC-SHA-256 (default) or SHA-1 (legacy), not "${algorithm}"`);
  }

  const restPassword = env.LYRA_REST_PASSWORD;
  if (env.LYRA_REST_URL && !restPassword) problems.push('LYRA_REST_PASSWORD: required when LYRA_REST_URL is set (the REST password of the back office)');
  // The value itself is never repeated in a message: it is a secret.
  if (restPassword && !REST_PASSWORD.test(restPassword)) problems.push('LYRA_REST_PASSWORD: must be the REST API password from the back office, without spaces');
  const restUrl = (env.LYRA_REST_URL || DEFAULT_REST_URL).replace(/\/+$/, '');
  if (restPassword) {
    const restIssue = urlProblem(restUrl, context.production, 'LYRA_REST_URL', DEFAULT_REST_URL);
    if (restIssue) problems.push(restIssue);
  }
  const delayText = env.LYRA_CAPTURE_DELAY_DAYS || String(DEFAULT_CAPTURE_DELAY_DAYS);
  const captureDelayDays = /^\d{1,3}$/.test(delayText) ? Number(delayText) : Number.NaN;
  if (!(captureDelayDays >= 1 && captureDelayDays <= MAX_CAPTURE_DELAY_DAYS)) problems.push(`LYRA_CAPTURE_DELAY_DAYS: must be a whole number of days from 1 to ${MAX_CAPTURE_DELAY_DAYS}`);

  if (problems.length > 0 || !isOneOf(LYRA_CTX_MODES, ctxMode) || !isOneOf(LYRA_SIGNATURE_ALGORITHMS, algorithm)) return { problems };
  return {
    problems,
    settings: {
      siteId,
      ctxMode,
      ...(env.LYRA_TEST_KEY ? { testKey: env.LYRA_TEST_KEY } : {}),
      ...(env.LYRA_PRODUCTION_KEY ? { productionKey: env.LYRA_PRODUCTION_KEY } : {}),
      paymentUrl,
      signatureAlgorithm: algorithm,
      ...(restPassword ? { rest: { url: restUrl, password: restPassword } } : {}),
      ...(env.LYRA_CAPTURE_DELAY_DAYS ? { captureDelayDays } : {}),
    },
  };
}

/** The key of the configured context: the only key responses are ever verified with. */
export function activeKey(settings: LyraSettings): string {
  const key = settings.ctxMode === 'PRODUCTION' ? settings.productionKey : settings.testKey;
  if (!key) throw new Error(`LYRA_${settings.ctxMode}_KEY is not set`);
  return key;
}
