import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JSONWebKeySet, type JWK } from 'jose';
import { ALLOWED_ALGORITHMS, type SigningAlgorithm } from '../src/protocols/native.js';

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

/** The protocol allows one algorithm per key type, so a JWK without `alg` still says which it is for. */
function algorithmOf(jwk: JWK): SigningAlgorithm {
  const declared = jwk.alg ?? (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' ? 'EdDSA' : jwk.kty === 'EC' && jwk.crv === 'P-256' ? 'ES256' : jwk.kty === 'RSA' ? 'PS256' : undefined);
  if (!declared || !(ALLOWED_ALGORITHMS as readonly string[]).includes(declared)) {
    throw new Error(`bank key ${jwk.kid ?? '(no kid)'}: algorithm must be one of ${ALLOWED_ALGORITHMS.join(', ')}`);
  }
  return declared as SigningAlgorithm;
}

/**
 * The bank's signing keys: the first signs, all are published (so responses signed just before a
 * rotation still verify). A key without `kid` gets its RFC 7638 thumbprint.
 */
export class BankKeystore {
  private readonly keys: readonly LoadedKey[];

  private constructor(keys: LoadedKey[]) {
    if (keys.length === 0) throw new Error('the bank needs at least one signing key');
    this.keys = keys;
  }

  /** From private JWKs, e.g. the `keys` of a file written by `npm run keys`. */
  static async fromPrivateJwks(jwks: readonly JWK[]): Promise<BankKeystore> {
    const loaded: LoadedKey[] = [];
    for (const jwk of jwks) {
      if (!jwk.d) throw new Error(`bank key ${jwk.kid ?? '(no kid)'} is not a private key`);
      const alg = algorithmOf(jwk);
      const publicJwk = publicPart(jwk);
      const kid = jwk.kid ?? (await calculateJwkThumbprint(publicJwk));
      const privateKey = (await importJWK({ ...jwk, alg }, alg)) as CryptoKey;
      loaded.push({ kid, alg, privateKey, publicJwk: { ...publicJwk, kid, alg, use: 'sig' } });
    }
    return new BankKeystore(loaded);
  }

  /** One fresh Ed25519 key, held in memory only: a restarted sandbox publishes a new JWKS. */
  static async generate(): Promise<BankKeystore> {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const publicJwk = publicPart(await exportJWK(publicKey));
    const kid = await calculateJwkThumbprint(publicJwk);
    return new BankKeystore([{ kid, alg: 'EdDSA', privateKey, publicJwk: { ...publicJwk, kid, alg: 'EdDSA', use: 'sig' } }]);
  }

  get signingKey(): { kid: string; alg: SigningAlgorithm; key: CryptoKey } {
    const first = this.keys[0]!;
    return { kid: first.kid, alg: first.alg, key: first.privateKey };
  }

  publicJwks(): JSONWebKeySet {
    return { keys: this.keys.map((k) => ({ ...k.publicJwk })) };
  }
}
