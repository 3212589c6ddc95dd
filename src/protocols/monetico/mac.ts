import { createHmac, timingSafeEqual } from 'node:crypto';
import { POSITIONAL_REQUEST_ORDER, POSITIONAL_RETURN_ORDER } from './protocol.js';

/** A field as sealed: its name and the exact bytes of its value. */
export interface SealedField {
  name: string;
  value: Buffer;
}

const STAR = Buffer.from('*');
const EQUALS = Buffer.from('=');

function byName(a: SealedField, b: SealedField): number {
  // Byte order, as the kit's ksort: digits, then capitals, then lower case.
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** `fields` method: every field but MAC, sorted by name, `name=value` joined with `*`. */
export function fieldsSeal(fields: readonly SealedField[]): Buffer {
  const parts: Buffer[] = [];
  for (const field of [...fields].filter((f) => f.name !== 'MAC').sort(byName)) {
    if (parts.length > 0) parts.push(STAR);
    parts.push(Buffer.from(field.name, 'latin1'), EQUALS, field.value);
  }
  return Buffer.concat(parts);
}

/** `positional` method, request: the values of POSITIONAL_REQUEST_ORDER joined with `*` (absent = empty). */
export function positionalRequestSeal(fields: Readonly<Record<string, string>>): Buffer {
  return Buffer.from(POSITIONAL_REQUEST_ORDER.map((name) => fields[name] ?? '').join('*'), 'utf8');
}

/**
 * `positional` method, server return: the values of POSITIONAL_RETURN_ORDER, each followed by `*`.
 * `own` supplies TPE and version from our settings; the rest come from the received bytes.
 */
export function positionalReturnSeal(received: ReadonlyMap<string, Buffer>, own: { tpe: string; version: string }): Buffer {
  const parts: Buffer[] = [];
  for (const name of POSITIONAL_RETURN_ORDER) {
    if (name === 'TPE') parts.push(Buffer.from(own.tpe, 'utf8'));
    else if (name === 'version') parts.push(Buffer.from(own.version, 'utf8'));
    else parts.push(received.get(name) ?? Buffer.alloc(0));
    parts.push(STAR);
  }
  return Buffer.concat(parts);
}

/** HMAC-SHA1 of the sealed bytes, lower-case hexadecimal (what both kits send). */
export function computeMac(key: Buffer, sealed: Buffer): string {
  return createHmac('sha1', key).update(sealed).digest('hex');
}

const MAC_FORMAT = /^[0-9A-Fa-f]{40}$/;

/** Compares a received MAC (either case, as the kits accept) with ours in constant time. */
export function macMatches(expected: string, received: string): boolean {
  if (!MAC_FORMAT.test(received) || !MAC_FORMAT.test(expected)) return false;
  return timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(received, 'hex'));
}
