import { InvalidBankMessageError } from '../../core/errors.js';
import type { SealedField } from '../../protocols/monetico/mac.js';

const MAX_FIELDS = 100;
const NAME = /^[A-Za-z0-9_-]{1,64}$/;

function hexValue(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  return -1;
}

/** `application/x-www-form-urlencoded` decoding to bytes: `+` is a space, `%XX` one byte. */
function decode(raw: Buffer): Buffer {
  const out = Buffer.alloc(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i += 1) {
    const byte = raw[i]!;
    if (byte === 0x2b) {
      out[n++] = 0x20;
    } else if (byte === 0x25) {
      const hi = hexValue(raw[i + 1]);
      const lo = hexValue(raw[i + 2]);
      if (hi < 0 || lo < 0) throw new InvalidBankMessageError('malformed_body');
      out[n++] = hi * 16 + lo;
      i += 2;
    } else {
      out[n++] = byte;
    }
  }
  return out.subarray(0, n);
}

/**
 * The fields of a form body as the bytes that were sent, so the MAC is checked over exactly what the
 * bank sealed whatever character set it used. A name given twice is refused: which of the two the
 * bank sealed cannot be known.
 */
export function parseFormBody(raw: Buffer): SealedField[] {
  const fields: SealedField[] = [];
  const seen = new Set<string>();
  let start = 0;
  while (start <= raw.length) {
    let end = raw.indexOf(0x26, start);
    if (end < 0) end = raw.length;
    const part = raw.subarray(start, end);
    start = end + 1;
    if (part.length === 0) continue;
    const eq = part.indexOf(0x3d);
    const name = decode(eq < 0 ? part : part.subarray(0, eq)).toString('latin1');
    const value = eq < 0 ? Buffer.alloc(0) : decode(part.subarray(eq + 1));
    if (!NAME.test(name)) throw new InvalidBankMessageError('malformed_body');
    if (seen.has(name)) throw new InvalidBankMessageError('duplicate_field');
    seen.add(name);
    fields.push({ name, value });
    if (fields.length > MAX_FIELDS) throw new InvalidBankMessageError('oversized');
  }
  return fields;
}
