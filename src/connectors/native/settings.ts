import { missing } from '../connector-module.js';

/** The native bank the gateway talks to (docs/protocol.md): who we are to it, where to send buyers, where its keys are. */
export interface NativeSettings {
  /** The bank's identifier: `aud` of our requests, `iss` of its responses. */
  id: string;
  /** Our merchant id at the bank: `iss` of our requests, `aud` of its responses. */
  merchantId: string;
  paymentUrl: string;
  jwksUrl?: string;
  jwksFile?: string;
  /** The bank's operations API (docs/protocol.md, section 11); without it, no capture, void, refund or status. */
  operationsUrl?: string;
  /** How long the bank keeps a manual authorisation capturable (section 4.6). */
  captureWindowMs: number;
}

export const NATIVE_VARIABLES = [
  'BANK_ID',
  'BANK_MERCHANT_ID',
  'BANK_PAYMENT_URL',
  'BANK_JWKS_URL',
  'BANK_JWKS_FILE',
  'BANK_OPERATIONS_URL',
  'BANK_CAPTURE_WINDOW',
] as const;

/** The sandbox bank's window, and the one docs/protocol.md gives as the example: 7 days. */
export const DEFAULT_CAPTURE_WINDOW_MS = 7 * 24 * 3_600_000;

function absolute(value: string | undefined): boolean {
  if (!value) return false;
  try {
    const u = new URL(value);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/** `7d`, `168h`, `90m`, `600s` or plain seconds, as the gateway's other durations; null when unreadable or zero. */
function captureWindowOf(text: string): number | null {
  const match = /^(\d+)\s*(s|m|h|d)?$/.exec(text.trim());
  if (!match) return null;
  const ms = Number(match[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] ?? 's']!;
  return Number.isSafeInteger(ms) && ms > 0 ? ms : null;
}

/**
 * BANK_ID, BANK_MERCHANT_ID, BANK_PAYMENT_URL, and BANK_JWKS_URL or BANK_JWKS_FILE; optionally
 * BANK_OPERATIONS_URL and BANK_CAPTURE_WINDOW. Nothing set means not configured.
 */
export function readNativeSettings(env: Readonly<Record<string, string | undefined>>): { settings?: NativeSettings; problems: string[] } {
  if (!NATIVE_VARIABLES.some((n) => env[n])) return { problems: [] };
  const problems = missing(env, ['BANK_ID', 'BANK_MERCHANT_ID', 'BANK_PAYMENT_URL'], 'when a bank is configured');
  if (env.BANK_PAYMENT_URL && !absolute(env.BANK_PAYMENT_URL)) problems.push('BANK_PAYMENT_URL: must be an absolute http(s) URL');
  if (env.BANK_JWKS_URL && !absolute(env.BANK_JWKS_URL)) problems.push('BANK_JWKS_URL: must be an absolute http(s) URL');
  if (!env.BANK_JWKS_URL && !env.BANK_JWKS_FILE) problems.push('BANK_JWKS_URL or BANK_JWKS_FILE: one is required when a bank is configured');
  if (env.BANK_JWKS_URL && env.BANK_JWKS_FILE) problems.push('BANK_JWKS_URL and BANK_JWKS_FILE: set only one');
  if (env.BANK_OPERATIONS_URL && !absolute(env.BANK_OPERATIONS_URL)) problems.push('BANK_OPERATIONS_URL: must be an absolute http(s) URL');
  const captureWindowMs = env.BANK_CAPTURE_WINDOW ? captureWindowOf(env.BANK_CAPTURE_WINDOW) : DEFAULT_CAPTURE_WINDOW_MS;
  if (captureWindowMs === null) problems.push('BANK_CAPTURE_WINDOW: must be a duration like 7d or 168h');
  if (problems.length || captureWindowMs === null) return { problems };
  return {
    problems,
    settings: {
      id: env.BANK_ID!,
      merchantId: env.BANK_MERCHANT_ID!,
      paymentUrl: env.BANK_PAYMENT_URL!,
      ...(env.BANK_JWKS_URL ? { jwksUrl: env.BANK_JWKS_URL } : {}),
      ...(env.BANK_JWKS_FILE ? { jwksFile: env.BANK_JWKS_FILE } : {}),
      ...(env.BANK_OPERATIONS_URL ? { operationsUrl: env.BANK_OPERATIONS_URL } : {}),
      captureWindowMs,
    },
  };
}
