import type { BankAuthentication } from '../three-d-secure.js';

/**
 * The 3-D Secure fields of a Sips 2.0 Paypage response, as Worldline's data dictionary names them:
 * `holderAuthentStatus` (SUCCESS, ATTEMPT, FAILURE, CANCEL, NOT_ENROLLED, ERROR…),
 * `holderAuthentRelegation` (N: no fallback to a payment without 3-D Secure), `holderAuthentMethod`,
 * `holderAuthentProgram` (3DS_V2), `holderAuthentType` and `guaranteeIndicator` (Y the payment is
 * guaranteed, N not, U undetermined). The Paypage response carries no ECI.
 */
export function sipsAuthenticationFields(authentication: BankAuthentication | undefined): Array<[string, string]> {
  if (!authentication) return [];
  return [
    ['holderAuthentStatus', holderAuthentStatus(authentication)],
    ['holderAuthentRelegation', 'N'],
    ['holderAuthentMethod', authentication.method === 'none' ? 'NO_AUTHENT_METHOD' : 'NOT_SPECIFIED'],
    ['holderAuthentProgram', '3DS_V2'],
    ...(authentication.method !== 'none' ? [['holderAuthentType', authentication.method === 'challenge' ? 'CHALLENGE' : 'FRICTIONLESS'] as [string, string]] : []),
    ['guaranteeIndicator', guaranteeIndicator(authentication)],
  ];
}

function holderAuthentStatus(a: BankAuthentication): string {
  switch (a.transStatus) {
    case 'Y':
      return 'SUCCESS';
    case 'A':
      return 'ATTEMPT';
    case 'N':
    case 'R':
      return a.abandoned ? 'CANCEL' : 'FAILURE';
    case 'U':
      return a.enrolled ? 'ERROR' : 'NOT_ENROLLED';
  }
}

function guaranteeIndicator(a: BankAuthentication): string {
  if (a.liabilityShift) return 'Y';
  return a.transStatus === 'U' && a.enrolled ? 'U' : 'N';
}
