import { missing } from '../connector-module.js';
import {
  DEFAULT_INTERFACE_VERSION,
  INTERFACE_VERSION_PATTERN,
  KEY_VERSION_PATTERN,
  MERCHANT_ID_PATTERN,
  SIMU_DEMO_SHOP,
  SIMU_PAYMENT_URL,
} from '../../protocols/sips/protocol.js';
import { OFFICE_TEST_URL } from '../../protocols/sips/office.js';

export interface SipsSettings {
  /** The 15-digit merchantId given by Worldline. */
  merchantId: string;
  /** Secret keys by key version: every listed key verifies responses. */
  secretKeys: Readonly<Record<string, string>>;
  /** The version whose key seals our requests. */
  keyVersion: string;
  /** The Paypage POST URL, e.g. the SIMU environment's `…simu.sips-services.com/paymentInit`. */
  paymentUrl: string;
  interfaceVersion: string;
  /** Also accept responses sealed the older way, SHA-256(Data ‖ key). */
  legacySeal: boolean;
  /** Send Data in base64 (`Encode=base64`). */
  encodeBase64: boolean;
  /**
   * The Sips Office JSON base URL (`…/rs-services/v2/`): capture (validate), cancel, refund and
   * status go there. Absent: no operations.
   */
  officeUrl?: string;
  /** `captureDay` of a manual payment: the days Sips keeps the authorisation for a validation. */
  captureDays: number;
}

export const SIPS_VARIABLES = [
  'SIPS_MERCHANT_ID',
  'SIPS_SECRET_KEYS',
  'SIPS_KEY_VERSION',
  'SIPS_PAYMENT_URL',
  'SIPS_INTERFACE_VERSION',
  'SIPS_LEGACY_SEAL',
  'SIPS_ENCODE_BASE64',
  'SIPS_OFFICE_URL',
  'SIPS_CAPTURE_DAYS',
] as const;

/** Sips's usual validation delay and the sandbox bank's window: 7 days. */
export const DEFAULT_CAPTURE_DAYS = 7;

type Env = Readonly<Record<string, string | undefined>>;

/** `1:key1,2:key2` → `{ '1': 'key1', '2': 'key2' }`, with one line per problem. */
function readKeys(text: string, problems: string[]): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const item of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const colon = item.indexOf(':');
    const version = colon > 0 ? item.slice(0, colon).trim() : '';
    const key = colon > 0 ? item.slice(colon + 1).trim() : '';
    if (!KEY_VERSION_PATTERN.test(version) || !key || /\s/.test(key)) {
      problems.push('SIPS_SECRET_KEYS: each entry is keyVersion:secretKey, e.g. 1:yourKey,2:yourNextKey');
      continue;
    }
    if (version in keys) problems.push(`SIPS_SECRET_KEYS: key version ${version} is listed twice`);
    keys[version] = key;
  }
  return keys;
}

function readFlag(env: Env, name: string, problems: string[]): boolean {
  const value = env[name];
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  problems.push(`${name}: must be true or false, not "${value}"`);
  return false;
}

function urlProblem(name: string, value: string, production: boolean, example: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${name}: must be an absolute URL (e.g. ${example})`;
  }
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && !production) return null;
  return production ? `${name}: must be https in production` : `${name}: must be an http(s) URL`;
}

/** `captureDay` is N2 at Sips; a manual authorisation needs at least one day to be validated. */
function readCaptureDays(env: Env, problems: string[]): number {
  const text = env.SIPS_CAPTURE_DAYS;
  if (text === undefined || text === '') return DEFAULT_CAPTURE_DAYS;
  const days = /^\d{1,2}$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!(days >= 1 && days <= 99)) {
    problems.push(`SIPS_CAPTURE_DAYS: must be a whole number of days from 1 to 99 (Sips captureDay), not "${text}"`);
    return DEFAULT_CAPTURE_DAYS;
  }
  return days;
}

/**
 * SIPS_OFFICE_URL, with a trailing slash so the function paths join it; in development the
 * Worldline test platform when unset, in production nothing (no operations) unless it is set.
 */
function readOfficeUrl(env: Env, production: boolean, problems: string[]): string | undefined {
  const value = env.SIPS_OFFICE_URL;
  if (!value) return production ? undefined : OFFICE_TEST_URL;
  const issue = urlProblem('SIPS_OFFICE_URL', value, production, OFFICE_TEST_URL);
  if (issue) {
    problems.push(issue);
    return undefined;
  }
  return value.endsWith('/') ? value : `${value}/`;
}

/**
 * Reads the SIPS_* variables. None set: Sips is not configured. Merchant id, secret keys and payment
 * URL are required; the key version may be left out when there is a single key.
 */
export function readSipsSettings(env: Env, context: { production: boolean }): { settings?: SipsSettings; problems: string[] } {
  if (!SIPS_VARIABLES.some((name) => env[name])) return { problems: [] };
  const problems = missing(env, ['SIPS_MERCHANT_ID', 'SIPS_SECRET_KEYS', 'SIPS_PAYMENT_URL'], 'when Sips is configured');

  const merchantId = env.SIPS_MERCHANT_ID ?? '';
  if (merchantId && !MERCHANT_ID_PATTERN.test(merchantId)) problems.push('SIPS_MERCHANT_ID: must be the 15-digit merchantId given by Worldline');

  const secretKeys = env.SIPS_SECRET_KEYS ? readKeys(env.SIPS_SECRET_KEYS, problems) : {};
  const versions = Object.keys(secretKeys);
  let keyVersion = env.SIPS_KEY_VERSION ?? '';
  if (!keyVersion && versions.length === 1) keyVersion = versions[0]!;
  if (!keyVersion && versions.length > 1) problems.push('SIPS_KEY_VERSION: required when SIPS_SECRET_KEYS holds several keys (the version that seals requests)');
  else if (keyVersion && versions.length > 0 && !(keyVersion in secretKeys)) problems.push(`SIPS_KEY_VERSION: ${keyVersion} is not a version listed in SIPS_SECRET_KEYS`);

  const paymentUrl = env.SIPS_PAYMENT_URL ?? '';
  const urlIssue = paymentUrl ? urlProblem('SIPS_PAYMENT_URL', paymentUrl, context.production, SIMU_PAYMENT_URL) : null;
  if (urlIssue) problems.push(urlIssue);

  const interfaceVersion = env.SIPS_INTERFACE_VERSION || DEFAULT_INTERFACE_VERSION;
  if (!INTERFACE_VERSION_PATTERN.test(interfaceVersion)) problems.push(`SIPS_INTERFACE_VERSION: must look like HP_2.20, not "${interfaceVersion}"`);

  const legacySeal = readFlag(env, 'SIPS_LEGACY_SEAL', problems);
  const encodeBase64 = readFlag(env, 'SIPS_ENCODE_BASE64', problems);
  const officeUrl = readOfficeUrl(env, context.production, problems);
  const captureDays = readCaptureDays(env, problems);

  if (context.production && merchantId === SIMU_DEMO_SHOP.merchantId) {
    problems.push(`SIPS_MERCHANT_ID: ${SIMU_DEMO_SHOP.merchantId} is the public SIMU demo shop, whose key is published: not for production`);
  }
  if (context.production && Object.values(secretKeys).includes(SIMU_DEMO_SHOP.secretKey)) {
    problems.push('SIPS_SECRET_KEYS: holds the published key of the SIMU demo shop: not for production');
  }

  if (problems.length > 0) return { problems };
  return { problems, settings: { merchantId, secretKeys, keyVersion, paymentUrl, interfaceVersion, legacySeal, encodeBase64, ...(officeUrl ? { officeUrl } : {}), captureDays } };
}
