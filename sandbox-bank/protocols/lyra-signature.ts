import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signature of Lyra's form API (PayZen, Systempay, Sogecommerce), as the platform computes it on
 * its side: the values of every field whose name starts with `vads_`, ordered by field name, empty
 * values kept, each followed by `+`, then the shop's key; HMAC-SHA-256 keyed with the key, in Base64
 * (current), or SHA-1 of that text in hex (legacy, still chosen by some shops). UTF-8 throughout.
 */
export type LyraBankSignatureAlgorithm = 'HMAC-SHA-256' | 'SHA-1';

export const LYRA_BANK_SIGNATURE_ALGORITHMS: readonly LyraBankSignatureAlgorithm[] = ['HMAC-SHA-256', 'SHA-1'];

export const LYRA_SIGNATURE_FIELD = 'signature';

const SIGNED_PREFIX = 'vads_';

/** The `vads_` fields of a form, own properties only. */
export function vadsFields(form: Readonly<Record<string, string>>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const name of Object.keys(form)) if (name.startsWith(SIGNED_PREFIX)) fields[name] = form[name]!;
  return fields;
}

export function lyraSignature(form: Readonly<Record<string, string>>, key: string, algorithm: LyraBankSignatureAlgorithm): string {
  const fields = vadsFields(form);
  // The names are ASCII: code-unit order is byte order.
  const names = Object.keys(fields).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const text = `${names.map((name) => `${fields[name]}+`).join('')}${key}`;
  if (algorithm === 'SHA-1') return createHash('sha1').update(text, 'utf8').digest('hex');
  return createHmac('sha256', Buffer.from(key, 'utf8')).update(text, 'utf8').digest('base64');
}

/** Whether `received` signs the form's `vads_` fields; compared in constant time (the length is public). */
export function lyraSignatureMatches(
  form: Readonly<Record<string, string>>,
  key: string,
  algorithm: LyraBankSignatureAlgorithm,
  received: string,
): boolean {
  const expected = Buffer.from(lyraSignature(form, key, algorithm), 'utf8');
  const given = Buffer.from(received, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
