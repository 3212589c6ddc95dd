import type { Authentication, AuthenticationStatus } from '../../core/authentication.js';
import { threeDSecureVersionOf } from '../../core/authentication.js';

/**
 * `holderAuthentStatus` in Worldline's Sips 2.0 data dictionary, with the `3D_` forms of the older
 * interface versions. NOT_PARTICIPATING (card or merchant outside the 3-D Secure programme) is, like
 * NOT_ENROLLED, a payment without authentication.
 */
const STATUSES: Readonly<Record<string, AuthenticationStatus>> = {
  SUCCESS: 'authenticated',
  '3D_SUCCESS': 'authenticated',
  ATTEMPT: 'attempted',
  '3D_ATTEMPT': 'attempted',
  FAILURE: 'failed',
  '3D_FAILURE': 'failed',
  CANCEL: 'failed',
  '3D_ABORT': 'failed',
  NOT_ENROLLED: 'not_enrolled',
  '3D_NOTENROLLED': 'not_enrolled',
  NOT_PARTICIPATING: 'not_enrolled',
  ERROR: 'unavailable',
  '3D_ERROR': 'unavailable',
};

/** `holderAuthentProgram` → the 3-D Secure major version it names. */
const PROGRAM_VERSIONS: Readonly<Record<string, string>> = { '3DS': '1', '3DS_V2': '2' };

/** Sips writes an absent value as empty or as the word `null`. */
function present(fields: ReadonlyMap<string, string>, name: string): string | undefined {
  const value = fields.get(name);
  return value === undefined || value === '' || value === 'null' ? undefined : value;
}

/**
 * The 3-D Secure result of a sealed Sips response, or undefined when it names none. Never throws: an
 * unknown status is `unknown`. `guaranteeIndicator` Y or N is the liability shift; U or empty says
 * nothing. The Paypage response has no ECI.
 */
export function sipsAuthenticationOf(fields: ReadonlyMap<string, string>): Authentication | undefined {
  const status = present(fields, 'holderAuthentStatus');
  if (status === undefined) return undefined;
  const guarantee = present(fields, 'guaranteeIndicator');
  const program = present(fields, 'holderAuthentProgram');
  const version = threeDSecureVersionOf(program !== undefined ? PROGRAM_VERSIONS[program] : undefined);
  return {
    status: Object.hasOwn(STATUSES, status) ? STATUSES[status]! : 'unknown',
    ...(guarantee === 'Y' || guarantee === 'N' ? { liabilityShift: guarantee === 'Y' } : {}),
    ...(version !== undefined ? { version } : {}),
  };
}
