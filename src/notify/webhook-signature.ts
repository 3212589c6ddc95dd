import { createHmac } from 'node:crypto';
import { CompactSign, type CryptoKey } from 'jose';
import { WEBHOOK_HMAC_HEADER, WEBHOOK_JWS_HEADER, WEBHOOK_JWS_TYP } from './webhook-headers.js';

export { WEBHOOK_HMAC_HEADER, WEBHOOK_JWS_HEADER, WEBHOOK_JWS_TYP };

/** What signing needs from the gateway keystore (GatewayKeystore fits). */
export interface WebhookSigningKeys {
  readonly signingKey: { kid: string; alg: string; key: CryptoKey };
}

/**
 * A detached JWS over the exact body bytes (RFC 7515 Appendix F): the compact form with the payload
 * part left empty, `<protected>..<signature>`. The verifier puts the base64url of the body it received
 * back in the middle. The protected header is `{ alg, kid, typ: "hpp-webhook+jws", iat }`: `iat`
 * (unix seconds, signed) lets a merchant refuse a replayed old delivery, like `t` of the HMAC header.
 * Every delivery attempt is signed afresh, so `iat` is the time of the attempt.
 */
export async function signWebhookJws(body: string, keys: WebhookSigningKeys, now: Date = new Date()): Promise<string> {
  const { kid, alg, key } = keys.signingKey;
  const jws = await new CompactSign(new TextEncoder().encode(body))
    .setProtectedHeader({ alg, kid, typ: WEBHOOK_JWS_TYP, iat: Math.floor(now.getTime() / 1000) })
    .sign(key);
  const [header, , signature] = jws.split('.');
  return `${header}..${signature}`;
}

/**
 * `t=<unix>,v1=<hex>[,v1=<hex>…]`: HMAC-SHA256 of `"<t>.<body>"` with each secret, one `v1` per
 * secret, so a merchant that has not switched to the new secret yet still finds a match during a rotation.
 */
export function signWebhookHmac(body: string, secrets: string[], timestamp: number): string {
  if (secrets.length === 0) throw new Error('at least one webhook secret is needed');
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new RangeError('timestamp must be whole unix seconds');
  const parts = [`t=${timestamp}`];
  for (const secret of secrets) {
    if (secret.length === 0) throw new Error('a webhook secret cannot be empty');
    parts.push(`v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`);
  }
  return parts.join(',');
}
