import { createHmac } from 'node:crypto';

/**
 * The bank's side of Monetico, written again from the published description rather than from the
 * connector's code, so the connector is checked against an independent reading of the spec.
 */

export const TEST_TPE = '1234567';
/** The payment kit's default demo key; its usable key is 1234567890123456789012345678901234567890. */
export const KIT_DEMO_KEY = '12345678901234567890123456789012345678P0';
export const OTHER_KEY = 'ABCDEF0123456789ABCDEF0123456789ABCDEF01';
export const TEST_COMPANY = 'maboutique';
export const TEST_SERVER_URL = 'https://p.monetico-services.com/test/paiement.cgi';
export const LIVE_SERVER_URL = 'https://p.monetico-services.com/paiement.cgi';

/** Security key → HMAC key bytes, by the documented rule on the final character pair. */
export function specKey(securityKey: string): Buffer {
  let pair = securityKey.substring(38, 40);
  while (pair.length < 2) pair += '0';
  const [c1, c2] = [pair[0]!, pair[1]!];
  let fixed: string;
  if (c1 >= 'G' && c1 <= '`') fixed = String.fromCharCode(c1.charCodeAt(0) - 23) + c2;
  else if (c2 === 'M') fixed = c1 + '0';
  else fixed = pair;
  return Buffer.from(securityKey.substring(0, 38) + fixed, 'hex');
}

export function hmacSha1Hex(securityKey: string, text: string): string {
  return createHmac('sha1', specKey(securityKey)).update(text, 'utf8').digest('hex');
}

/** Current kit: all fields but MAC, sorted by name, name=value, joined by '*'. */
export function specFieldsString(fields: Record<string, string>): string {
  return Object.keys(fields)
    .filter((k) => k !== 'MAC')
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map((k) => `${k}=${fields[k]}`)
    .join('*');
}

/** Older kit, request: TPE*date*montant*reference*texte-libre*version*lgue*societe*mail and ten empty slots. */
export function specPositionalRequest(f: Record<string, string>): string {
  return [f.TPE, f.date, f.montant, f.reference, f['texte-libre'], f.version, f.lgue, f.societe, f.mail ?? '', '', '', '', '', '', '', '', '', '', ''].join('*');
}

/** Older kit, server return: our TPE and version in place, 20 values each followed by '*'. */
export function specPositionalReturn(f: Record<string, string>, tpe: string, version = '3.0'): string {
  const names = ['date', 'montant', 'reference', 'texte-libre'];
  const after = ['code-retour', 'cvx', 'vld', 'brand', 'status3ds', 'numauto', 'motifrefus', 'originecb', 'bincb', 'hpancb', 'ipclient', 'originetr', 'veres', 'pares'];
  return [tpe, ...names.map((n) => f[n] ?? ''), version, ...after.map((n) => f[n] ?? '')].map((v) => `${v}*`).join('');
}

export type Method = 'fields' | 'positional';

/** A server return ("interface retour") as Monetico would POST it, sealed with `key`. */
export function serverReturn(fields: Record<string, string>, options: { key?: string; method?: Method; tpe?: string } = {}): Record<string, string> {
  const key = options.key ?? KIT_DEMO_KEY;
  const method = options.method ?? 'fields';
  const text = method === 'fields' ? specFieldsString(fields) : specPositionalReturn(fields, options.tpe ?? TEST_TPE);
  return { ...fields, MAC: hmacSha1Hex(key, text) };
}

/** The fields of a typical accepted card payment for `reference`. */
export function paidFields(reference: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    TPE: TEST_TPE,
    date: '17/03/2026_a_10:40:10',
    montant: '24.80EUR',
    reference,
    'texte-libre': 'order-1',
    'code-retour': 'paiement',
    cvx: 'oui',
    vld: '1229',
    brand: 'VI',
    status3ds: '1',
    numauto: '010101',
    originecb: 'FRA',
    bincb: '497010',
    hpancb: '764AD24CFABBB818E8A7DC61D4D6B4B89EA837ED',
    ipclient: '203.0.113.9',
    originetr: 'FRA',
    modepaiement: 'CB',
    cbmasquee: '497010XXXXXX0001',
    ...overrides,
  };
}

/** Encodes a form body the way a server posts it. */
export function formBody(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}
