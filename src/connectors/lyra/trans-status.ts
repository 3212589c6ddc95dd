import type { BankOutcome } from '../../core/transition.js';

/**
 * What each `vads_trans_status` means for an attempt. A status missing here is read as `pending` and
 * logged: the IPN sent when the transaction settles brings the final word.
 */
export const TRANS_STATUSES = {
  // Money is (or will be) taken.
  AUTHORISED: 'authorised',
  AUTHORISED_TO_VALIDATE: 'authorised',
  CAPTURED: 'authorised',
  ACCEPTED: 'authorised',
  // The buyer's bank said no, or the transaction could not be created.
  REFUSED: 'refused',
  NOT_CREATED: 'refused',
  // Nobody will be debited: the buyer left, the merchant cancelled, or the authorisation lapsed.
  ABANDONED: 'cancelled',
  CANCELLED: 'cancelled',
  EXPIRED: 'cancelled',
  // Still being decided.
  INITIAL: 'pending',
  WAITING_AUTHORISATION: 'pending',
  WAITING_AUTHORISATION_TO_VALIDATE: 'pending',
  UNDER_VERIFICATION: 'pending',
  PRE_AUTHORISED: 'pending',
  SUSPENDED: 'pending',
  WAITING_FOR_PAYMENT: 'pending',
  // Lyra's own failures.
  CAPTURE_FAILED: 'error',
  ERROR: 'error',
} as const satisfies Record<string, BankOutcome['status']>;

export type KnownTransStatus = keyof typeof TRANS_STATUSES;

export function isKnownTransStatus(value: string): value is KnownTransStatus {
  return Object.hasOwn(TRANS_STATUSES, value);
}

/** The attempt status a Lyra transaction status stands for (`pending` for one we do not know). */
export function outcomeStatusOf(transStatus: string): BankOutcome['status'] {
  return isKnownTransStatus(transStatus) ? TRANS_STATUSES[transStatus] : 'pending';
}
