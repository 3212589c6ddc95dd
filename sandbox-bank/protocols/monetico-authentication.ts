import type { BankAuthentication } from '../three-d-secure.js';

/**
 * Monetico's `authentification` return field: base64 of a JSON object `{ status, protocol, version,
 * details }`, with `status` one of authenticated, authentication_attempted, not_authenticated,
 * authentication_rejected, authentication_not_performed, not_enrolled, and in `details` the
 * liability shift (`liabilityShift`: Y or N), the directory's answer (`ARes`) and, after a challenge,
 * the ACS's (`CRes`). Only the `fields` seal covers it.
 */
export function moneticoAuthentification(authentication: BankAuthentication): string {
  const challenged = authentication.method === 'challenge';
  const json = {
    status: moneticoStatus(authentication),
    protocol: '3DSecure',
    version: authentication.version,
    details: {
      liabilityShift: authentication.liabilityShift ? 'Y' : 'N',
      ARes: challenged ? 'C' : authentication.enrolled ? authentication.transStatus : 'N',
      ...(challenged ? { CRes: authentication.transStatus } : {}),
      merchantPreference: 'no_preference',
      ...(authentication.transStatusReason !== undefined ? { transStatusReason: authentication.transStatusReason } : {}),
    },
  };
  return Buffer.from(JSON.stringify(json), 'utf8').toString('base64');
}

function moneticoStatus(a: BankAuthentication): string {
  switch (a.transStatus) {
    case 'Y':
      return 'authenticated';
    case 'A':
      return 'authentication_attempted';
    case 'N':
      return 'not_authenticated';
    case 'R':
      return 'authentication_rejected';
    case 'U':
      return a.enrolled ? 'authentication_not_performed' : 'not_enrolled';
  }
}
