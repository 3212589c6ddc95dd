import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { ValidationError } from '../../core/errors.js';

/**
 * scrypt's cost, in one place. N = 2^15 with r = 8 needs 32 MiB and about 50-100 ms per hash on
 * a server core: memory-hard enough that a stolen hash costs an attacker dearly per guess, cheap
 * enough for a sign-in. The parameters are written into each hash, so raising them later still
 * verifies the older hashes (and a reset writes the new cost).
 */
const COST = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
const SALT_BYTES = 16;
// Node refuses scrypt beyond 32 MiB by default; 128 * N * r is exactly that, so leave room.
const MAX_MEMORY = 64 * 1024 * 1024;

/** Shorter passwords are refused with this many characters named. */
export const MIN_PASSWORD_LENGTH = 12;
/** scrypt reads the whole input: bound it so a huge password cannot cost a long hash. */
const MAX_PASSWORD_LENGTH = 1024;

function derive(password: string, salt: Buffer, cost: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, { ...cost, maxmem: MAX_MEMORY }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Refuses a password too short (or absurdly long) with a message that says the rule. */
export function assertPasswordAcceptable(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new ValidationError([{ field: 'password', message: `The password must be at least ${MIN_PASSWORD_LENGTH} characters long.` }]);
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new ValidationError([{ field: 'password', message: `The password must be at most ${MAX_PASSWORD_LENGTH} characters long.` }]);
  }
}

/** `scrypt$N$r$p$salt$hash` with a fresh random salt per hash. */
export async function hashPassword(password: string): Promise<string> {
  assertPasswordAcceptable(password);
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, COST);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** True when the password gives the hash; compared in constant time. A malformed hash verifies nothing. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt' || password.length > MAX_PASSWORD_LENGTH) return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0)) return false;
  const expected = Buffer.from(parts[5]!, 'base64url');
  const actual = await derive(password, Buffer.from(parts[4]!, 'base64url'), { N, r, p });
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * A hash of a password nobody knows, verified when the email is unknown so that "no such user" takes
 * as long as "wrong password" and does not reveal which emails have accounts.
 */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(24).toString('base64url'));
  return decoy;
}
