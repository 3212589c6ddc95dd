import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';

/** A merchant as the bank operator registers it: its id at the bank and where it publishes its keys. */
export interface MerchantRegistration {
  merchantId: string;
  /** The merchant's JWKS, fetched over HTTP(S), e.g. `{gateway}/.well-known/jwks.json`. */
  jwksUrl: string;
  /** Shown to the buyer on the card page; the merchant id when absent. */
  displayName?: string;
}

export interface RegisteredMerchant {
  merchantId: string;
  displayName: string;
  keys: JWTVerifyGetKey;
}

/**
 * One remote key set per merchant, created once: jose caches the keys, refetches when an unknown
 * `kid` shows up (the merchant rotated) and rate-limits refetches, so a forged `kid` cannot make the
 * bank hammer the merchant.
 */
export function registerMerchants(registrations: readonly MerchantRegistration[]): ReadonlyMap<string, RegisteredMerchant> {
  const merchants = new Map<string, RegisteredMerchant>();
  for (const registration of registrations) {
    if (!registration.merchantId) throw new Error('a merchant needs a merchantId');
    if (merchants.has(registration.merchantId)) throw new Error(`merchant ${registration.merchantId} is registered twice`);
    let jwksUrl: URL;
    try {
      jwksUrl = new URL(registration.jwksUrl);
    } catch {
      throw new Error(`merchant ${registration.merchantId}: jwksUrl is not an absolute URL`);
    }
    if (jwksUrl.protocol !== 'https:' && jwksUrl.protocol !== 'http:') {
      throw new Error(`merchant ${registration.merchantId}: jwksUrl must be http(s)`);
    }
    merchants.set(registration.merchantId, {
      merchantId: registration.merchantId,
      displayName: registration.displayName ?? registration.merchantId,
      keys: createRemoteJWKSet(jwksUrl, { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 600_000 }),
    });
  }
  return merchants;
}
