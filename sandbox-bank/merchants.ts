import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';

/**
 * A merchant's credentials for the protocols that need some, one optional member per protocol. Each
 * protocol declares its own member in its file by augmenting this interface (protocols/sips.ts adds
 * `sips`), so adding a protocol does not touch this file.
 */
export interface MerchantCredentials {}

/** A merchant as the bank operator registers it: its id at the bank and its credentials per protocol. */
export interface MerchantRegistration extends MerchantCredentials {
  merchantId: string;
  /**
   * Native protocol: the merchant's JWKS, fetched over HTTP(S), e.g. `{gateway}/.well-known/jwks.json`.
   * Without it the merchant cannot use the native protocol.
   */
  jwksUrl?: string;
  /** Shown to the buyer on the card page; the merchant id when absent. */
  displayName?: string;
}

export interface RegisteredMerchant {
  merchantId: string;
  displayName: string;
  /** Native protocol: the merchant's keys; undefined when it registered no JWKS. */
  keys?: JWTVerifyGetKey;
  /** As registered: protocols read their credentials from here. */
  registration: Readonly<MerchantRegistration>;
}

function remoteKeys(merchantId: string, jwksUrlText: string): JWTVerifyGetKey {
  let jwksUrl: URL;
  try {
    jwksUrl = new URL(jwksUrlText);
  } catch {
    throw new Error(`merchant ${merchantId}: jwksUrl is not an absolute URL`);
  }
  if (jwksUrl.protocol !== 'https:' && jwksUrl.protocol !== 'http:') {
    throw new Error(`merchant ${merchantId}: jwksUrl must be http(s)`);
  }
  return createRemoteJWKSet(jwksUrl, { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 600_000 });
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
    merchants.set(registration.merchantId, {
      merchantId: registration.merchantId,
      displayName: registration.displayName ?? registration.merchantId,
      ...(registration.jwksUrl !== undefined ? { keys: remoteKeys(registration.merchantId, registration.jwksUrl) } : {}),
      registration: Object.freeze({ ...registration }),
    });
  }
  return merchants;
}
