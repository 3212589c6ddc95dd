import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The seal of Sips 2.0: HMAC-SHA-256 keyed with the merchant's secret key (current), or the older
 * SHA-256 of Data followed by the secret key. Both lowercase hex, over the Data field exactly as posted.
 */
export type SipsSealAlgorithm = 'HMAC-SHA-256' | 'SHA-256';

export const HMAC_SHA_256: SipsSealAlgorithm = 'HMAC-SHA-256';
export const LEGACY_SHA_256: SipsSealAlgorithm = 'SHA-256';

export function computeSeal(data: string, secretKey: string, algorithm: SipsSealAlgorithm): string {
  if (algorithm === 'HMAC-SHA-256') return createHmac('sha256', Buffer.from(secretKey, 'utf8')).update(data, 'utf8').digest('hex');
  return createHash('sha256').update(data + secretKey, 'utf8').digest('hex');
}

const SEAL = /^[0-9a-fA-F]{64}$/;

/** Compares in constant time; a seal that is not 64 hex digits never matches. */
export function sealMatches(given: string, data: string, secretKey: string, algorithm: SipsSealAlgorithm): boolean {
  if (!SEAL.test(given)) return false;
  const expected = Buffer.from(computeSeal(data, secretKey, algorithm), 'hex');
  return timingSafeEqual(Buffer.from(given, 'hex'), expected);
}
