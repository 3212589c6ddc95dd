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
}

export const NATIVE_VARIABLES = ['BANK_ID', 'BANK_MERCHANT_ID', 'BANK_PAYMENT_URL', 'BANK_JWKS_URL', 'BANK_JWKS_FILE'] as const;

function absolute(value: string | undefined): boolean {
  if (!value) return false;
  try {
    const u = new URL(value);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/** BANK_ID, BANK_MERCHANT_ID, BANK_PAYMENT_URL, and BANK_JWKS_URL or BANK_JWKS_FILE; nothing set means not configured. */
export function readNativeSettings(env: Readonly<Record<string, string | undefined>>): { settings?: NativeSettings; problems: string[] } {
  if (!NATIVE_VARIABLES.some((n) => env[n])) return { problems: [] };
  const problems = missing(env, ['BANK_ID', 'BANK_MERCHANT_ID', 'BANK_PAYMENT_URL'], 'when a bank is configured');
  if (env.BANK_PAYMENT_URL && !absolute(env.BANK_PAYMENT_URL)) problems.push('BANK_PAYMENT_URL: must be an absolute http(s) URL');
  if (env.BANK_JWKS_URL && !absolute(env.BANK_JWKS_URL)) problems.push('BANK_JWKS_URL: must be an absolute http(s) URL');
  if (!env.BANK_JWKS_URL && !env.BANK_JWKS_FILE) problems.push('BANK_JWKS_URL or BANK_JWKS_FILE: one is required when a bank is configured');
  if (env.BANK_JWKS_URL && env.BANK_JWKS_FILE) problems.push('BANK_JWKS_URL and BANK_JWKS_FILE: set only one');
  if (problems.length) return { problems };
  return {
    problems,
    settings: {
      id: env.BANK_ID!,
      merchantId: env.BANK_MERCHANT_ID!,
      paymentUrl: env.BANK_PAYMENT_URL!,
      ...(env.BANK_JWKS_URL ? { jwksUrl: env.BANK_JWKS_URL } : {}),
      ...(env.BANK_JWKS_FILE ? { jwksFile: env.BANK_JWKS_FILE } : {}),
    },
  };
}
