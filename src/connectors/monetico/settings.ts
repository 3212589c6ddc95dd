import { MAC_METHODS, MONETICO_TEST_PAYMENT_URL, MONETICO_VERSION, type MacMethod } from '../../protocols/monetico/protocol.js';
import { isSecurityKey } from '../../protocols/monetico/usable-key.js';

export interface MoneticoSettings {
  /** MONETICO_TPE: the virtual terminal number. */
  tpe: string;
  /** MONETICO_KEY: the 40-character security key from the back office (kit format). */
  key: string;
  /** MONETICO_COMPANY: the site code (`societe`). */
  company: string;
  /** MONETICO_PAYMENT_URL: paiement.cgi of production or of the test server. */
  paymentUrl: string;
  /** MONETICO_MAC_METHOD: `fields` (current kit, default) or `positional` (older kit). */
  macMethod: MacMethod;
  /** MONETICO_VERSION: 3.0. */
  version: string;
  /** MONETICO_MERCHANT_EMAIL: sent as `mail` when the buyer gave none (optional). */
  merchantEmail?: string;
}

export const SETTING_NAMES = [
  'MONETICO_TPE',
  'MONETICO_KEY',
  'MONETICO_COMPANY',
  'MONETICO_PAYMENT_URL',
  'MONETICO_MAC_METHOD',
  'MONETICO_VERSION',
  'MONETICO_MERCHANT_EMAIL',
] as const;

/** The test server's payments answer `payetest`; only a terminal pointed at it may accept them. */
export function isTestServer(paymentUrl: string): boolean {
  return new URL(paymentUrl).pathname.split('/').includes('test');
}

/** Reads and checks the MONETICO_* variables; one problem line per bad or missing value (never echoing the key). */
export function readMoneticoSettings(env: Readonly<Record<string, string | undefined>>, production: boolean): { settings?: MoneticoSettings; problems: string[] } {
  if (!SETTING_NAMES.some((n) => env[n])) return { problems: [] };
  const problems: string[] = [];
  const tpe = env.MONETICO_TPE ?? '';
  const key = env.MONETICO_KEY ?? '';
  const company = env.MONETICO_COMPANY ?? '';
  const paymentUrl = env.MONETICO_PAYMENT_URL ?? '';
  const macMethod = (env.MONETICO_MAC_METHOD ?? 'fields') as MacMethod;
  const version = env.MONETICO_VERSION ?? MONETICO_VERSION;
  const merchantEmail = env.MONETICO_MERCHANT_EMAIL;

  if (!/^[A-Za-z0-9]{1,10}$/.test(tpe)) problems.push('MONETICO_TPE: required, the terminal number (e.g. 1234567)');
  if (!key) problems.push('MONETICO_KEY: required, the 40-character security key from the Monetico back office');
  else if (!isSecurityKey(key)) problems.push('MONETICO_KEY: must be the 40-character security key as given by Monetico (38 hexadecimal digits and a final pair in the kit format)');
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(company)) problems.push('MONETICO_COMPANY: required, the site code (`societe`) from the Monetico back office');
  if (!paymentUrl) {
    problems.push(`MONETICO_PAYMENT_URL: required (test server: ${MONETICO_TEST_PAYMENT_URL})`);
  } else {
    try {
      const url = new URL(paymentUrl);
      if (url.protocol !== 'https:' && (production || url.protocol !== 'http:')) problems.push('MONETICO_PAYMENT_URL: must be an https URL');
    } catch {
      problems.push('MONETICO_PAYMENT_URL: must be an absolute URL');
    }
  }
  if (!MAC_METHODS.includes(macMethod)) problems.push(`MONETICO_MAC_METHOD: must be one of ${MAC_METHODS.join(', ')}`);
  if (version !== MONETICO_VERSION) problems.push(`MONETICO_VERSION: only ${MONETICO_VERSION} is supported`);
  if (merchantEmail !== undefined && !/^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/.test(merchantEmail)) problems.push('MONETICO_MERCHANT_EMAIL: must be an email address');

  if (problems.length) return { problems };
  return {
    problems,
    settings: { tpe, key, company, paymentUrl, macMethod, version, ...(merchantEmail ? { merchantEmail } : {}) },
  };
}
