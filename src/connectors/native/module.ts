import type { NativeBankConfig } from '../../config.js';
import type { ConnectorModule } from '../connector-module.js';
import { missing } from '../connector-module.js';
import { loadBankKeys } from './bank-keys.js';
import { NativeConnector } from './native-connector.js';

function absolute(value: string | undefined): boolean {
  if (!value) return false;
  try {
    const u = new URL(value);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/** The native JWS protocol (docs/protocol.md): BANK_ID, BANK_MERCHANT_ID, BANK_PAYMENT_URL, BANK_JWKS_URL or BANK_JWKS_FILE. */
export const nativeModule: ConnectorModule<NativeBankConfig> = {
  name: 'native',
  readSettings(env) {
    const names = ['BANK_ID', 'BANK_MERCHANT_ID', 'BANK_PAYMENT_URL', 'BANK_JWKS_URL', 'BANK_JWKS_FILE'];
    if (!names.some((n) => env[n])) return { problems: [] };
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
  },
  async create(settings, deps) {
    return new NativeConnector({
      bankId: settings.id,
      merchantId: settings.merchantId,
      paymentUrl: settings.paymentUrl,
      bankKeys: await loadBankKeys(settings),
      keystore: deps.keystore,
      ...(deps.clock ? { clock: deps.clock } : {}),
    });
  },
};
