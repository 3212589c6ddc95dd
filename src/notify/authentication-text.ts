import type { Authentication, AuthenticationStatus } from '../core/authentication.js';

const STATUS_TEXT: Record<AuthenticationStatus, string> = {
  authenticated: 'authenticated',
  attempted: 'attempted (the issuer could not authenticate)',
  failed: 'failed',
  rejected: 'rejected by the issuer',
  unavailable: 'not performed (the issuer was unavailable)',
  not_enrolled: 'card not enrolled',
  unknown: 'result not understood',
};

/** The 3-D Secure line of the merchant's email: status, ECI and liability shift, as the bank gave them. */
export function authenticationText(authentication: Authentication): string {
  const parts = [STATUS_TEXT[authentication.status]];
  if (authentication.eci !== undefined) parts.push(`ECI ${authentication.eci}`);
  if (authentication.liabilityShift !== undefined) parts.push(authentication.liabilityShift ? 'liability shifted to the issuer' : 'no liability shift');
  return parts.join(', ');
}
