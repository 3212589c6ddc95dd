import { readFile } from 'node:fs/promises';
import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';

/**
 * The bank's verification keys, resolved once at start. A remote JWKS is cached by jose, refetched
 * when an unknown `kid` appears (key rotation) and rate-limited by its cool-down, so a forged `kid`
 * cannot make us hammer the bank.
 */
export async function loadBankKeys(source: { jwksUrl?: string; jwksFile?: string }): Promise<JWTVerifyGetKey> {
  if (source.jwksUrl) {
    return createRemoteJWKSet(new URL(source.jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 600_000 });
  }
  if (source.jwksFile) {
    const jwks = JSON.parse(await readFile(source.jwksFile, 'utf8')) as JSONWebKeySet;
    return createLocalJWKSet(jwks);
  }
  throw new Error('the bank needs a JWKS URL or file');
}
