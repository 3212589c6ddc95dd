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
  /**
   * MONETICO_OPERATIONS_URL: the directory of capture_paiement.cgi and recredit_paiement.cgi, ending in
   * `/`. Outside production it defaults to the directory of MONETICO_PAYMENT_URL (the sandbox bank in
   * development); in production, absent means no operations (refunds stay in Monetico's back office).
   */
  operationsUrl?: string;
  /** MONETICO_CAPTURE: `automatic` (default) or `manual`, how the terminal is contracted at Monetico. */
  capture: CaptureSetting;
}

/**
 * Monetico's payment form has no field asking for an authorisation only: deferred capture ("paiement
 * différé") is part of the terminal's contract. The setting tells the gateway which contract it has.
 */
export type CaptureSetting = 'automatic' | 'manual';
const CAPTURE_SETTINGS: readonly CaptureSetting[] = ['automatic', 'manual'];

export const SETTING_NAMES = [
  'MONETICO_TPE',
  'MONETICO_KEY',
  'MONETICO_COMPANY',
  'MONETICO_PAYMENT_URL',
  'MONETICO_MAC_METHOD',
  'MONETICO_VERSION',
  'MONETICO_MERCHANT_EMAIL',
  'MONETICO_OPERATIONS_URL',
  'MONETICO_CAPTURE',
] as const;

/** The directory holding `url`'s script, e.g. …/test/paiement.cgi → …/test/. */
function directoryOf(url: string): string {
  return new URL('.', url).toString();
}

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
  const capture = (env.MONETICO_CAPTURE ?? 'automatic') as CaptureSetting;
  let operationsUrl = env.MONETICO_OPERATIONS_URL;

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

  if (!CAPTURE_SETTINGS.includes(capture)) problems.push(`MONETICO_CAPTURE: must be one of ${CAPTURE_SETTINGS.join(', ')} (as the terminal is contracted at Monetico)`);
  if (operationsUrl !== undefined) {
    try {
      const url = new URL(operationsUrl);
      if (url.protocol !== 'https:' && (production || url.protocol !== 'http:')) problems.push('MONETICO_OPERATIONS_URL: must be an https URL');
      else if (url.search || url.hash || url.username || url.password) problems.push('MONETICO_OPERATIONS_URL: must be the directory of capture_paiement.cgi, without query or credentials');
      else operationsUrl = url.toString().endsWith('/') ? url.toString() : `${url.toString()}/`;
    } catch {
      problems.push('MONETICO_OPERATIONS_URL: must be an absolute URL (e.g. https://p.monetico-services.com/test/)');
    }
  } else if (!production && paymentUrl && URL.canParse(paymentUrl)) {
    operationsUrl = directoryOf(paymentUrl);
  }
  if (capture === 'manual' && operationsUrl === undefined) problems.push('MONETICO_CAPTURE: manual needs MONETICO_OPERATIONS_URL, where the captures are sent');

  if (problems.length) return { problems };
  return {
    problems,
    settings: {
      tpe,
      key,
      company,
      paymentUrl,
      macMethod,
      version,
      ...(merchantEmail ? { merchantEmail } : {}),
      ...(operationsUrl !== undefined ? { operationsUrl } : {}),
      capture,
    },
  };
}
