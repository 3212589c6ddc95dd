import type { BankOutcome } from '../../core/transition.js';

export type SipsOutcomeStatus = BankOutcome['status'];

/**
 * Sips 2.0 `responseCode` values and what they mean for the attempt. Any code not listed is an
 * error: the attempt failed without a verdict on the card, and the buyer may try again.
 */
export const SIPS_RESPONSE_CODES: Readonly<Record<string, { status: SipsOutcomeStatus; meaning: string }>> = Object.freeze({
  '00': { status: 'authorised', meaning: 'authorisation accepted' },
  '02': { status: 'refused', meaning: 'referral: authorisation to be requested from the issuer by telephone' },
  '03': { status: 'refused', meaning: 'invalid merchant contract' },
  '05': { status: 'refused', meaning: 'authorisation refused' },
  '12': { status: 'refused', meaning: 'invalid transaction' },
  '14': { status: 'refused', meaning: 'invalid card number or card data (e.g. security code)' },
  '17': { status: 'cancelled', meaning: 'cancelled by the buyer' },
  '24': { status: 'error', meaning: 'operation not allowed in the transaction state' },
  '25': { status: 'error', meaning: 'transaction not found' },
  '30': { status: 'error', meaning: 'format error' },
  '34': { status: 'refused', meaning: 'fraud suspicion' },
  '40': { status: 'error', meaning: 'function not supported' },
  '51': { status: 'refused', meaning: 'amount too high (insufficient funds or limit)' },
  '54': { status: 'refused', meaning: 'card expired' },
  '60': { status: 'pending', meaning: 'transaction pending' },
  '63': { status: 'refused', meaning: 'security rules not met, transaction stopped' },
  '75': { status: 'refused', meaning: 'too many attempts at entering the card data' },
  '90': { status: 'error', meaning: 'service temporarily unavailable' },
  '94': { status: 'error', meaning: 'duplicate transaction: transactionReference already used' },
  '97': { status: 'refused', meaning: 'time limit exceeded at the payment page, transaction refused' },
  '99': { status: 'error', meaning: 'temporary problem at the payment server' },
});

export function statusForResponseCode(code: string): SipsOutcomeStatus {
  return SIPS_RESPONSE_CODES[code]?.status ?? 'error';
}
