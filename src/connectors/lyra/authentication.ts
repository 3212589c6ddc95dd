import { authenticationStatusOfTransStatus, eciOf, type Authentication } from '../../core/authentication.js';

function value(fields: Readonly<Record<string, string>>, name: string): string {
  return Object.hasOwn(fields, name) ? fields[name]! : '';
}

/**
 * The 3-D Secure result of a verified Lyra response, from the fields of Lyra's data dictionary:
 * `vads_threeds_enrolled` (N: not enrolled), `vads_threeds_status` (Y, A, N, R, U), `vads_threeds_eci`,
 * and `vads_warranty_result` (YES, NO; UNKNOWN or empty say nothing) for the liability shift. Undefined
 * when none of them is set (a payment without 3-D Secure). Never throws.
 */
export function lyraAuthenticationOf(fields: Readonly<Record<string, string>>): Authentication | undefined {
  const enrolled = value(fields, 'vads_threeds_enrolled');
  const status = value(fields, 'vads_threeds_status');
  if (enrolled === '' && status === '') return undefined;
  const eci = eciOf(value(fields, 'vads_threeds_eci'));
  const warranty = value(fields, 'vads_warranty_result');
  return {
    status: enrolled === 'N' ? 'not_enrolled' : enrolled === 'U' && status === '' ? 'unavailable' : authenticationStatusOfTransStatus(status),
    ...(eci !== undefined ? { eci } : {}),
    ...(warranty === 'YES' || warranty === 'NO' ? { liabilityShift: warranty === 'YES' } : {}),
  };
}
