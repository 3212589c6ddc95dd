import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidBankMessageError } from '../../core/errors.js';

/** How far the signed timestamp may be from our clock, either way (Stripe's own libraries use 300 s). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

// Stripe sends one or two v1 signatures (two while an endpoint secret is being rolled); a header far
// larger than that is not Stripe's and is not worth hashing for.
const MAX_HEADER_LENGTH = 2048;
const MAX_SIGNATURES = 8;
const HEX_SHA256 = /^[0-9a-f]{64}$/;

export interface VerifiedSignature {
  /** The signed timestamp (unix seconds). */
  timestamp: number;
  /** The first instant at which the same signature is refused as stale. */
  staleAt: Date;
}

/**
 * Verifies a `Stripe-Signature` header (`t=…,v1=…[,v1=…]`) over the exact bytes received: each v1 is an
 * HMAC-SHA256, keyed with an endpoint secret (`whsec_…` as a whole), of `${t}.${rawBody}`. Any v1 made
 * with any configured secret is accepted; other schemes (v0) are ignored. Throws InvalidBankMessageError.
 */
export function verifyStripeSignature(
  rawBody: Buffer,
  header: string | string[] | undefined,
  secrets: readonly string[],
  nowSeconds: number,
  toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS,
): VerifiedSignature {
  if (typeof header !== 'string' || header.length === 0) throw new InvalidBankMessageError('missing_signature');
  if (header.length > MAX_HEADER_LENGTH) throw new InvalidBankMessageError('malformed_signature');

  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const item of header.split(',')) {
    const eq = item.indexOf('=');
    if (eq < 0) continue;
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(value)) throw new InvalidBankMessageError('malformed_signature');
      timestamp = Number(value);
    } else if (key === 'v1' && HEX_SHA256.test(value)) {
      signatures.push(Buffer.from(value, 'hex'));
    }
  }
  if (timestamp === undefined) throw new InvalidBankMessageError('malformed_signature');
  if (signatures.length === 0) throw new InvalidBankMessageError('no_v1_signature');
  if (signatures.length > MAX_SIGNATURES) throw new InvalidBankMessageError('malformed_signature');

  const prefix = Buffer.from(`${timestamp}.`, 'utf8');
  let matched = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(prefix).update(rawBody).digest();
    // Every candidate is compared (no early exit), each in constant time.
    for (const candidate of signatures) if (timingSafeEqual(expected, candidate)) matched = true;
  }
  if (!matched) throw new InvalidBankMessageError('bad_signature');
  // Checked after the signature, so "stale" is only ever said of a message Stripe really signed.
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) throw new InvalidBankMessageError('stale_signature');
  // Whole seconds are compared, so the last accepted second runs to its end.
  return { timestamp, staleAt: new Date((timestamp + toleranceSeconds + 1) * 1000) };
}
