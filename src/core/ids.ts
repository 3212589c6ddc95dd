import { randomBytes } from './random-bytes.js';

/**
 * Identifiers carry 128 random bits (base64url, 22 characters) behind a type prefix.
 * Payment ids double as the checkout capability, so they must be unguessable.
 */
/** `re_` names a refund (also its operation id at the bank); `op_` a capture or void sent to a bank. */
export function newId(prefix: 'pay' | 'evt' | 'att' | 'msg' | 're' | 'op' | 'aud'): string {
  return `${prefix}_${randomBytes(16).toString('base64url')}`;
}

/** Bank-facing attempt references: many banks only accept [A-Za-z0-9], so no `_` or `-`. 26 chars of base32 = 130 bits. */
export function newAttemptReference(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  const bytes = randomBytes(17);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return `A${out.slice(0, 26).toUpperCase()}`;
}
