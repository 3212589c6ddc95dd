import { authenticationStatusOfTransStatus, eciOf, threeDSecureVersionOf, type Authentication } from '../../core/authentication.js';

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * The `authentication` claim of a verified response (docs/protocol.md section 6.3), read without ever
 * refusing the message: the verdict stands whatever this detail says. An absent claim means the card
 * took no part in 3-D Secure; a claim we cannot read is `unknown`; a status `U` with reason `13` is a
 * card not enrolled, any other `U` an authentication the issuer could not perform.
 */
export function authenticationOf(claim: unknown): Authentication | undefined {
  if (claim === undefined) return undefined;
  if (claim === null || typeof claim !== 'object' || Array.isArray(claim)) return { status: 'unknown' };
  const fields = claim as Record<string, unknown>;
  const transStatus = text(fields.status);
  const reason = text(fields.trans_status_reason);
  const status = transStatus === 'U' && reason === '13' ? 'not_enrolled' : authenticationStatusOfTransStatus(transStatus);
  const eci = eciOf(text(fields.eci));
  const version = threeDSecureVersionOf(text(fields.version));
  return {
    status,
    ...(eci !== undefined ? { eci } : {}),
    ...(typeof fields.liability_shift === 'boolean' ? { liabilityShift: fields.liability_shift } : {}),
    ...(version !== undefined ? { version } : {}),
  };
}
