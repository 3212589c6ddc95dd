import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { assertNever } from '../../core/payment.js';

/**
 * How a Lyra form (PayZen, Systempay, Sogecommerce) is signed. HMAC-SHA-256 in Base64 is the current
 * scheme; SHA-1 in hex is the legacy one, still selectable in some back offices.
 */
export type LyraSignatureAlgorithm = 'HMAC-SHA-256' | 'SHA-1';

export const LYRA_SIGNATURE_ALGORITHMS: readonly LyraSignatureAlgorithm[] = ['HMAC-SHA-256', 'SHA-1'];

/** Every field whose name starts with this is signed, empty or not; no other field is. */
export const SIGNED_FIELD_PREFIX = 'vads_';

/** The form field that carries the signature. */
export const SIGNATURE_FIELD = 'signature';

/** The signed fields of a form: own properties only, whose name starts with `vads_`. */
export function signedFields(fields: Readonly<Record<string, string>>): Record<string, string> {
  const signed: Record<string, string> = {};
  for (const name of Object.keys(fields)) {
    if (name.startsWith(SIGNED_FIELD_PREFIX)) signed[name] = fields[name]!;
  }
  return signed;
}

/**
 * The text that is signed: the values of every `vads_` field ordered by field name (code-unit order,
 * which is ASCII order for these names, so `vads_threeds_cavvAlgorithm` sorts before `vads_threeds_eci`),
 * empty values kept, joined with `+`, then `+` and the key.
 */
export function signedString(fields: Readonly<Record<string, string>>, key: string): string {
  const names = Object.keys(fields)
    .filter((name) => name.startsWith(SIGNED_FIELD_PREFIX))
    .sort();
  return [...names.map((name) => fields[name]!), key].join('+');
}

/** The signature of a form's `vads_` fields with the shop's key (UTF-8 throughout). */
export function computeSignature(fields: Readonly<Record<string, string>>, key: string, algorithm: LyraSignatureAlgorithm): string {
  const text = signedString(fields, key);
  switch (algorithm) {
    case 'HMAC-SHA-256':
      return createHmac('sha256', Buffer.from(key, 'utf8')).update(text, 'utf8').digest('base64');
    case 'SHA-1':
      return createHash('sha1').update(text, 'utf8').digest('hex');
    default:
      return assertNever(algorithm);
  }
}

/**
 * Whether `received` is the signature of these fields. The length of a signature is public (fixed per
 * algorithm); the bytes are compared in constant time.
 */
export function signatureMatches(
  fields: Readonly<Record<string, string>>,
  key: string,
  algorithm: LyraSignatureAlgorithm,
  received: string,
): boolean {
  const expected = Buffer.from(computeSignature(fields, key, algorithm), 'utf8');
  const given = Buffer.from(received, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
