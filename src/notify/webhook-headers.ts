/**
 * Names shared by the gateway that signs webhooks and the merchants that verify them. Constants only:
 * verify-webhook.ts imports this file and nothing else from the gateway.
 */

/** Detached JWS (RFC 7515 Appendix F) over the exact body bytes: `<protected>..<signature>`. */
export const WEBHOOK_JWS_HEADER = 'Hpp-Signature-JWS';

/** HMAC-SHA256 over `"<t>.<body>"`: `t=<unix seconds>,v1=<hex>[,v1=<hex>…]`. */
export const WEBHOOK_HMAC_HEADER = 'Hpp-Signature';

/** JOSE `typ` of a webhook signature, so no other token the gateway signs can pass for one. */
export const WEBHOOK_JWS_TYP = 'hpp-webhook+jws';

/** Algorithms a webhook JWS may use. Anything else (none, HS*) is refused before any key is looked at. */
export const WEBHOOK_JWS_ALGORITHMS = ['EdDSA', 'ES256', 'PS256'] as const;

/** How far the signing time may be from the verifier's clock, either way. */
export const DEFAULT_TOLERANCE_SECONDS = 300;
