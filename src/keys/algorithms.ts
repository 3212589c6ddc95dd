/**
 * The algorithms a key may sign with, the gateway's and a bank's alike: asymmetric only, so a public
 * key can never be used as an HMAC secret, and nothing else (HS*, none) is looked at. Every verifier
 * passes this list to jose (whose jwtVerify would otherwise accept any algorithm fitting the key).
 */
export const ALLOWED_ALGORITHMS = ['EdDSA', 'ES256', 'PS256'] as const;
export type SigningAlgorithm = (typeof ALLOWED_ALGORITHMS)[number];
