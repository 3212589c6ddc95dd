import type { BankAuthentication } from '../three-d-secure.js';

/**
 * The 3-D Secure fields of a Lyra form-API response (PayZen, Systempay, Sogecommerce), as Lyra's data
 * dictionary names them: `vads_threeds_enrolled` (Y, N, U), `vads_threeds_status` (Y, N, U, A; empty
 * when no authentication took place), `vads_threeds_eci`, `vads_threeds_auth_type` (FRICTIONLESS,
 * CHALLENGE), `vads_threeds_sign_valid`, and the liability shift in `vads_warranty_result` (YES, NO,
 * UNKNOWN): the form API has no field named after the liability shift itself.
 */
export function lyraAuthenticationFields(authentication: BankAuthentication | undefined): Record<string, string> {
  if (!authentication) return {};
  const performed = authentication.method !== 'none';
  return {
    vads_threeds_enrolled: authentication.enrolled ? (authentication.transStatus === 'U' ? 'U' : 'Y') : 'N',
    vads_threeds_status: authentication.enrolled ? authentication.transStatus : '',
    vads_threeds_eci: authentication.eci,
    vads_threeds_auth_type: performed ? (authentication.method === 'challenge' ? 'CHALLENGE' : 'FRICTIONLESS') : '',
    vads_threeds_sign_valid: authentication.transStatus === 'Y' || authentication.transStatus === 'A' ? '1' : '',
    vads_warranty_result: authentication.liabilityShift ? 'YES' : authentication.transStatus === 'U' && authentication.enrolled ? 'UNKNOWN' : 'NO',
  };
}
