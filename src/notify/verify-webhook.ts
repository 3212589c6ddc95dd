import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  base64url,
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  flattenedVerify,
  type FlattenedJWSInput,
  type FlattenedVerifyGetKey,
  type JSONWebKeySet,
  type JWSHeaderParameters,
} from 'jose';
import {
  DEFAULT_TOLERANCE_SECONDS,
  WEBHOOK_HMAC_HEADER,
  WEBHOOK_JWS_ALGORITHMS,
  WEBHOOK_JWS_HEADER,
  WEBHOOK_JWS_TYP,
} from './webhook-headers.js';

/*
 * For merchants' Node servers: verifies a webhook from the gateway over the exact bytes received,
 * then parses it. Imports nothing from the gateway but its header names, so it can be used on its own.
 */

export { WEBHOOK_HMAC_HEADER, WEBHOOK_JWS_HEADER };

export type WebhookVerificationErrorCode = 'missing_signature' | 'stale_timestamp' | 'bad_signature' | 'malformed';

/** The webhook must not be believed. Answer 400; the gateway retries and a genuine delivery will pass. */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  readonly code: WebhookVerificationErrorCode;

  constructor(code: WebhookVerificationErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export interface VerifyWebhookInput {
  /** The raw request body, exactly as received (not re-serialised JSON). */
  body: string | Buffer;
  /** Request headers; names are matched case-insensitively. */
  headers: Record<string, string | string[] | undefined>;
  /** MERCHANT_WEBHOOK_SECRET: one secret, or several while rotating. Checks `Hpp-Signature`. */
  secret?: string | string[];
  /** The gateway's public keys, or the URL of its `/.well-known/jwks.json` (fetched and cached). Checks `Hpp-Signature-JWS`. */
  jwks?: JSONWebKeySet | URL;
  /** How far the signing time may be from `now`, either way. Default 300. */
  toleranceSeconds?: number;
  now?: Date;
}

export interface VerifiedWebhook {
  /** The parsed body: `{ id, type, createdAt, data: { payment, paymentVersion, attemptRef?, anomaly?, amount?, refund? } }`, or `data: { audit }` on audit.recorded. */
  event: unknown;
  verifiedBy: 'hmac' | 'jws';
}

type KeyResolver = FlattenedVerifyGetKey;

const remoteKeySets = new Map<string, KeyResolver>();
const localKeySets = new WeakMap<JSONWebKeySet, KeyResolver>();

function keyResolver(jwks: JSONWebKeySet | URL): KeyResolver {
  if (jwks instanceof URL) {
    let resolver = remoteKeySets.get(jwks.href);
    if (!resolver) {
      resolver = createRemoteJWKSet(jwks);
      remoteKeySets.set(jwks.href, resolver);
    }
    return resolver;
  }
  let resolver = localKeySets.get(jwks);
  if (!resolver) {
    resolver = createLocalJWKSet(jwks);
    localKeySets.set(jwks, resolver);
  }
  return resolver;
}

function header(headers: VerifyWebhookInput['headers'], name: string): string | undefined {
  const wanted = name.toLowerCase();
  let found: string | undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    if (found !== undefined || values.length !== 1) throw new WebhookVerificationError('malformed', `${name} appears more than once`);
    found = values[0];
  }
  return found;
}

function checkFreshness(signedAt: number, now: Date, toleranceSeconds: number): void {
  const skew = Math.abs(Math.floor(now.getTime() / 1000) - signedAt);
  if (skew > toleranceSeconds) throw new WebhookVerificationError('stale_timestamp', `signed ${skew} s away from now (tolerance ${toleranceSeconds} s)`);
}

function verifyHmac(value: string, body: Buffer, secrets: string[], now: Date, toleranceSeconds: number): void {
  let timestamp: string | undefined;
  const signatures: Buffer[] = [];
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) throw new WebhookVerificationError('malformed', `${WEBHOOK_HMAC_HEADER} is not a list of key=value`);
    const key = part.slice(0, eq).trim();
    const val = part.slice(eq + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(val)) throw new WebhookVerificationError('malformed', `${WEBHOOK_HMAC_HEADER} has a bad t`);
      timestamp = val;
    } else if (key === 'v1') {
      // A v1 that is not 64 hex digits cannot match; it is skipped rather than compared.
      if (/^[0-9a-f]{64}$/i.test(val)) signatures.push(Buffer.from(val, 'hex'));
    }
    // Other keys (a future scheme) are ignored.
  }
  if (timestamp === undefined) throw new WebhookVerificationError('malformed', `${WEBHOOK_HMAC_HEADER} has no t`);
  if (signatures.length === 0) throw new WebhookVerificationError('bad_signature', `${WEBHOOK_HMAC_HEADER} has no usable v1`);
  let matched = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(body).digest();
    for (const signature of signatures) if (timingSafeEqual(expected, signature)) matched = true;
  }
  if (!matched) throw new WebhookVerificationError('bad_signature', `no ${WEBHOOK_HMAC_HEADER} v1 matches`);
  // Checked after the signature, so stale_timestamp always means "genuine but too old (or replayed)".
  checkFreshness(Number(timestamp), now, toleranceSeconds);
}

const BAD_SIGNATURE_CODES = new Set([
  'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JOSE_NOT_SUPPORTED',
  'ERR_JWKS_NO_MATCHING_KEY',
]);

async function verifyJws(value: string, body: Buffer, jwks: JSONWebKeySet | URL, now: Date, toleranceSeconds: number): Promise<void> {
  const parts = value.split('.');
  if (parts.length !== 3 || parts[1] !== '' || !parts[0]) {
    throw new WebhookVerificationError('malformed', `${WEBHOOK_JWS_HEADER} is not a detached compact JWS (header..signature)`);
  }
  let protectedHeader: JWSHeaderParameters;
  try {
    protectedHeader = decodeProtectedHeader(value);
  } catch {
    throw new WebhookVerificationError('malformed', `${WEBHOOK_JWS_HEADER} has an unreadable header`);
  }
  // Refused before any key is fetched or any signature is computed.
  if (!(WEBHOOK_JWS_ALGORITHMS as readonly unknown[]).includes(protectedHeader.alg)) {
    throw new WebhookVerificationError('bad_signature', `algorithm ${String(protectedHeader.alg)} is not accepted`);
  }
  if (protectedHeader.typ !== WEBHOOK_JWS_TYP) throw new WebhookVerificationError('bad_signature', `typ must be ${WEBHOOK_JWS_TYP}`);
  if (!parts[2]) throw new WebhookVerificationError('bad_signature', `${WEBHOOK_JWS_HEADER} has no signature`);

  const jws: FlattenedJWSInput = { protected: parts[0], payload: base64url.encode(body), signature: parts[2] };
  const options = { algorithms: [...WEBHOOK_JWS_ALGORITHMS] };
  const resolver = keyResolver(jwks);
  try {
    try {
      await flattenedVerify(jws, resolver, options);
    } catch (err) {
      // Several keys fit the header (no kid): jose hands them over one by one.
      const candidates = (err as { code?: string }).code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS' ? (err as AsyncIterable<Parameters<typeof flattenedVerify>[1]>) : null;
      if (!candidates) throw err;
      let lastError: unknown = err;
      let verified = false;
      for await (const key of candidates) {
        try {
          await flattenedVerify(jws, key, options);
          verified = true;
          break;
        } catch (candidateError) {
          lastError = candidateError;
        }
      }
      if (!verified) throw lastError;
    }
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== undefined && BAD_SIGNATURE_CODES.has(code)) throw new WebhookVerificationError('bad_signature', `${WEBHOOK_JWS_HEADER} does not verify (${code})`);
    if (code === 'ERR_JWS_INVALID') throw new WebhookVerificationError('malformed', `${WEBHOOK_JWS_HEADER} is not a valid JWS`);
    // Anything else (the JWKS could not be fetched, a key in it is unusable) is not a verdict on the
    // webhook: it is thrown as is, so the caller answers 5xx and the gateway tries again later.
    throw err;
  }
  if (typeof protectedHeader.iat !== 'number' || !Number.isSafeInteger(protectedHeader.iat)) {
    throw new WebhookVerificationError('malformed', `${WEBHOOK_JWS_HEADER} has no iat`);
  }
  checkFreshness(protectedHeader.iat, now, toleranceSeconds);
}

/**
 * Verifies a webhook and only then parses its body. With `secret` it checks `Hpp-Signature`
 * (HMAC-SHA256, any v1 against any secret, constant-time); with `jwks` it checks `Hpp-Signature-JWS`
 * (detached JWS, EdDSA/ES256/PS256 only, typ `hpp-webhook+jws`). Given both, either signature that
 * verifies is enough. The signing time must be within `toleranceSeconds` of `now`.
 *
 * Throws WebhookVerificationError (answer 400) when the webhook must not be believed; an error of any
 * other kind (the JWKS URL could not be fetched) means "could not check now" (answer 5xx).
 */
export async function verifyWebhook(input: VerifyWebhookInput): Promise<VerifiedWebhook> {
  const secrets = input.secret === undefined ? [] : (Array.isArray(input.secret) ? input.secret : [input.secret]).filter((s) => s.length > 0);
  if (secrets.length === 0 && input.jwks === undefined) throw new TypeError('verifyWebhook needs a secret or a jwks');
  const body = typeof input.body === 'string' ? Buffer.from(input.body, 'utf8') : input.body;
  const now = input.now ?? new Date();
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;

  const hmacHeader = secrets.length > 0 ? header(input.headers, WEBHOOK_HMAC_HEADER) : undefined;
  const jwsHeader = input.jwks !== undefined ? header(input.headers, WEBHOOK_JWS_HEADER) : undefined;
  if (hmacHeader === undefined && jwsHeader === undefined) {
    const expected = [secrets.length > 0 ? WEBHOOK_HMAC_HEADER : null, input.jwks !== undefined ? WEBHOOK_JWS_HEADER : null].filter(Boolean).join(' or ');
    throw new WebhookVerificationError('missing_signature', `no ${expected} header`);
  }

  let verifiedBy: VerifiedWebhook['verifiedBy'] | undefined;
  let firstError: unknown;
  if (hmacHeader !== undefined) {
    try {
      verifyHmac(hmacHeader, body, secrets, now, tolerance);
      verifiedBy = 'hmac';
    } catch (err) {
      firstError = err;
    }
  }
  if (verifiedBy === undefined && jwsHeader !== undefined && input.jwks !== undefined) {
    try {
      await verifyJws(jwsHeader, body, input.jwks, now, tolerance);
      verifiedBy = 'jws';
    } catch (err) {
      firstError ??= err;
    }
  }
  if (verifiedBy === undefined) throw firstError;

  try {
    return { event: JSON.parse(body.toString('utf8')) as unknown, verifiedBy };
  } catch {
    throw new WebhookVerificationError('malformed', 'the body is not JSON');
  }
}
