import type { LyraSignatureAlgorithm } from '../../src/protocols/lyra/signature.js';

/** The context a Lyra request is sent in (`vads_ctx_mode`): each has its own key. */
export type LyraCtxMode = 'TEST' | 'PRODUCTION';

/** A shop's credentials for Lyra's form API (PayZen, Systempay, Sogecommerce), as its back office shows them. */
export interface LyraMerchantCredentials {
  /** `vads_site_id`: the 8-digit shop id. */
  siteId: string;
  /** The TEST key: requests sent with `vads_ctx_mode=TEST` are signed with it. */
  testKey: string;
  /** The PRODUCTION key; without it the shop cannot send PRODUCTION requests. */
  productionKey?: string;
  /** The algorithm the shop chose in its back office; HMAC-SHA-256 unless it still uses the legacy SHA-1. */
  signatureAlgorithm?: LyraSignatureAlgorithm;
  /** The REST API V4 password (Basic auth with the shop id); without it the shop has no REST access. */
  restPassword?: string;
}

/** The key of a context as the merchant registered it, or undefined when it has none for that context. */
export function lyraKeyFor(credentials: LyraMerchantCredentials, ctxMode: LyraCtxMode): string | undefined {
  return ctxMode === 'PRODUCTION' ? credentials.productionKey : credentials.testKey;
}

export function lyraAlgorithmOf(credentials: LyraMerchantCredentials): LyraSignatureAlgorithm {
  return credentials.signatureAlgorithm ?? 'HMAC-SHA-256';
}
