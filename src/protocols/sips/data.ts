/**
 * The `Data` field of Sips 2.0 Paypage POST: `key=value` pairs joined with `|`, optionally carried in
 * base64 (`Encode=base64`, or `base64url`). The seal covers Data exactly as posted, encoded or not.
 */

export type SipsEncoding = 'base64' | 'base64url';

/** Data that cannot be read: `reason` is a short machine word for logs and refusals. */
export class SipsDataError extends Error {
  constructor(readonly reason: string) {
    super(`unreadable Sips Data: ${reason}`);
    this.name = 'SipsDataError';
  }
}

const KEY = /^[A-Za-z][A-Za-z0-9_.]{0,99}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/** `[[k, v], …]` → `k=v|…`, in the order given. A `|` in a value would change the message: refused. */
export function formatData(fields: ReadonlyArray<readonly [string, string]>): string {
  return fields
    .map(([key, value]) => {
      if (!KEY.test(key)) throw new Error(`invalid Sips Data key ${JSON.stringify(key)}`);
      if (value.includes('|')) throw new Error(`the Sips Data field ${key} cannot contain "|"`);
      return `${key}=${value}`;
    })
    .join('|');
}

/** Reads every pair; a missing `=`, an invalid key or a key given twice makes the whole Data unreadable. */
export function parseData(text: string): ReadonlyMap<string, string> {
  const fields = new Map<string, string>();
  if (text.length === 0) throw new SipsDataError('empty');
  for (const pair of text.split('|')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new SipsDataError('malformed_pair');
    const key = pair.slice(0, eq);
    if (!KEY.test(key)) throw new SipsDataError('malformed_key');
    if (fields.has(key)) throw new SipsDataError('duplicate_key');
    fields.set(key, pair.slice(eq + 1));
  }
  return fields;
}

/**
 * The value of one field, found without reading the others: only used to choose the key that checks
 * the seal (`keyVersion`), before anything else in Data is believed.
 */
export function peekField(text: string, name: string): string | undefined {
  const values = text
    .split('|')
    .filter((pair) => pair.startsWith(`${name}=`))
    .map((pair) => pair.slice(name.length + 1));
  return values.length === 1 ? values[0] : undefined;
}

export function isSipsEncoding(value: string): value is SipsEncoding {
  return value === 'base64' || value === 'base64url';
}

export function encodeData(plain: string, encoding: SipsEncoding | undefined): string {
  return encoding ? Buffer.from(plain, 'utf8').toString(encoding) : plain;
}

/** The Data text behind the posted field; strict about the alphabet, since Node's decoder is not. */
export function decodeData(posted: string, encoding: string | undefined): string {
  if (encoding === undefined || encoding === '') return posted;
  if (!isSipsEncoding(encoding)) throw new SipsDataError('unknown_encoding');
  if (!(encoding === 'base64' ? BASE64 : BASE64URL).test(posted)) throw new SipsDataError('malformed_encoding');
  const plain = Buffer.from(posted, encoding).toString('utf8');
  if (plain.includes('\uFFFD')) throw new SipsDataError('malformed_encoding');
  return plain;
}
