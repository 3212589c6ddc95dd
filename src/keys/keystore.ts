import { readFile } from 'node:fs/promises';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JSONWebKeySet, type JWK } from 'jose';
import { ALLOWED_ALGORITHMS, type SigningAlgorithm } from './algorithms.js';

/** The file `npm run keys` writes: private JWKs, newest first. Only the first one signs. */
export interface KeyFile {
  keys: JWK[];
}

interface LoadedKey {
  kid: string;
  alg: SigningAlgorithm;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e'] as const;

function publicPart(jwk: JWK): JWK {
  const out: JWK = {};
  for (const member of PUBLIC_MEMBERS) if (jwk[member] !== undefined) out[member] = jwk[member];
  return out;
}

function isAllowed(alg: unknown): alg is SigningAlgorithm {
  return typeof alg === 'string' && (ALLOWED_ALGORITHMS as readonly string[]).includes(alg);
}

/** A new private JWK with `kid` (its RFC 7638 thumbprint), `alg` and `use`. */
export async function generateSigningJwk(alg: SigningAlgorithm): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'PS256' ? { modulusLength: 3072 } : {}) });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(publicPart(jwk));
  return { ...jwk, kid, alg, use: 'sig' };
}

/**
 * The gateway's signing keys. Loaded once at start; the newest key signs, every key is published so
 * that tokens signed before a rotation still verify at the bank until the old key is removed.
 * Private key material stays inside this object: nothing here is logged or serialised except
 * the public JWKS.
 */
export class GatewayKeystore {
  private readonly keys: LoadedKey[];

  private constructor(keys: LoadedKey[]) {
    if (keys.length === 0) throw new Error('the keystore needs at least one key');
    this.keys = keys;
  }

  static async fromJwks(jwks: JWK[]): Promise<GatewayKeystore> {
    const loaded: LoadedKey[] = [];
    for (const jwk of jwks) {
      if (!isAllowed(jwk.alg)) throw new Error(`key ${jwk.kid ?? '(no kid)'} has an algorithm outside ${ALLOWED_ALGORITHMS.join(', ')}`);
      if (!jwk.d) throw new Error(`key ${jwk.kid ?? '(no kid)'} is not a private key`);
      const publicJwk = publicPart(jwk);
      const kid = jwk.kid ?? (await calculateJwkThumbprint(publicJwk));
      const privateKey = (await importJWK(jwk, jwk.alg)) as CryptoKey;
      loaded.push({ kid, alg: jwk.alg, privateKey, publicJwk: { ...publicJwk, kid, alg: jwk.alg, use: 'sig' } });
    }
    return new GatewayKeystore(loaded);
  }

  static async fromFile(path: string): Promise<GatewayKeystore> {
    let parsed: KeyFile;
    try {
      parsed = JSON.parse(await readFile(path, 'utf8')) as KeyFile;
    } catch (err) {
      throw new Error(`cannot read the gateway keys from ${path}: ${(err as Error).message}`);
    }
    if (!Array.isArray(parsed.keys)) throw new Error(`${path} must hold {"keys": [...]}`);
    return GatewayKeystore.fromJwks(parsed.keys);
  }

  /** A fresh key held only in memory: for development and tests, where rotation across restarts does not matter. */
  static async ephemeral(alg: SigningAlgorithm = 'EdDSA'): Promise<GatewayKeystore> {
    return GatewayKeystore.fromJwks([await generateSigningJwk(alg)]);
  }

  /** The key that signs now. */
  get signingKey(): { kid: string; alg: SigningAlgorithm; key: CryptoKey } {
    const newest = this.keys[0]!;
    return { kid: newest.kid, alg: newest.alg, key: newest.privateKey };
  }

  /** Served at /.well-known/jwks.json. */
  publicJwks(): JSONWebKeySet {
    return { keys: this.keys.map((k) => ({ ...k.publicJwk })) };
  }
}
