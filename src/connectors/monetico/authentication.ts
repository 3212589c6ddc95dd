import { threeDSecureVersionOf, type Authentication, type AuthenticationStatus } from '../../core/authentication.js';

/** `status` of Monetico's `authentification` JSON. */
const STATUSES: Readonly<Record<string, AuthenticationStatus>> = {
  authenticated: 'authenticated',
  authentication_attempted: 'attempted',
  not_authenticated: 'failed',
  authentication_rejected: 'rejected',
  authentication_not_performed: 'unavailable',
  not_enrolled: 'not_enrolled',
};

/** A base64 JSON field is a few hundred bytes; anything far larger is not Monetico's. */
const MAX_LENGTH = 4096;

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * The 3-D Secure result of a server return, from its sealed `authentification` field (base64 of
 * `{ status, protocol, version, details: { liabilityShift, … } }`), or undefined without one. Never
 * throws: a field that does not decode, or a status we do not know, is `unknown`.
 */
export function moneticoAuthenticationOf(fields: ReadonlyMap<string, string>): Authentication | undefined {
  const encoded = fields.get('authentification');
  if (encoded === undefined || encoded === '') return undefined;
  let json: Record<string, unknown> | undefined;
  try {
    json = encoded.length <= MAX_LENGTH && /^[A-Za-z0-9+/=_-]+$/.test(encoded) ? record(JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'))) : undefined;
  } catch {
    json = undefined;
  }
  if (!json) return { status: 'unknown' };
  const status = typeof json.status === 'string' && Object.hasOwn(STATUSES, json.status) ? STATUSES[json.status]! : 'unknown';
  const liabilityShift = record(json.details)?.liabilityShift;
  const version = threeDSecureVersionOf(typeof json.version === 'string' ? json.version : undefined);
  return {
    status,
    ...(liabilityShift === 'Y' || liabilityShift === 'N' ? { liabilityShift: liabilityShift === 'Y' } : {}),
    ...(version !== undefined ? { version } : {}),
  };
}
