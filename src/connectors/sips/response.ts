import { InvalidBankMessageError } from '../../core/errors.js';
import { findCurrencyByNumeric } from '../../core/money.js';
import type { BankOutcome } from '../../core/transition.js';
import { refuseCardNumber } from '../card-number-refusal.js';
import { cardBrandOf, lastFourOf } from './card-brand.js';
import { TRANSACTION_REFERENCE_PATTERN } from '../../protocols/sips/protocol.js';
import { statusForResponseCode } from './response-codes.js';
import { sipsAuthenticationOf } from './authentication.js';
import { CAPTURE_MODE_AUTHOR_CAPTURE, CAPTURE_MODE_VALIDATION } from '../../protocols/sips/office.js';

/** `authorisationId`: AN10 in the data dictionary (letters, digits, `_ . + - @` and space). */
const AUTHORISATION_ID = /^[A-Za-z0-9_.+\-@ ]{1,10}$/;

function required(fields: ReadonlyMap<string, string>, name: string, pattern: RegExp): string {
  const value = fields.get(name);
  if (value === undefined) throw new InvalidBankMessageError(`missing_${name}`);
  if (!pattern.test(value)) throw new InvalidBankMessageError(`malformed_${name}`);
  return value;
}

/** Optional details are kept when well formed and dropped otherwise: they never block a verdict. */
function optional(fields: ReadonlyMap<string, string>, name: string, pattern: RegExp): string | undefined {
  const value = fields.get(name);
  return value !== undefined && pattern.test(value) ? value : undefined;
}

/**
 * Reads the fields of a response whose seal and merchant id have been checked. `responseCode` decides
 * the status (response-codes.ts); the acquirer's own code is kept beside it as `05/51`.
 */
export function outcomeOf(fields: ReadonlyMap<string, string>): BankOutcome {
  const responseCode = required(fields, 'responseCode', /^\d{2}$/);
  const attemptRef = required(fields, 'transactionReference', TRANSACTION_REFERENCE_PATTERN);
  const amount = Number(required(fields, 'amount', /^\d{1,15}$/));
  const currency = findCurrencyByNumeric(required(fields, 'currencyCode', /^\d{3}$/));
  if (!currency) throw new InvalidBankMessageError('unknown_currency');
  if (!Number.isSafeInteger(amount)) throw new InvalidBankMessageError('malformed_amount');

  const acquirerResponseCode = optional(fields, 'acquirerResponseCode', /^[A-Za-z0-9]{2}$/);
  // Neither an authorisation code nor a masked PAN may hold a whole card number.
  refuseCardNumber('authorisationId', fields.get('authorisationId'), 'identifier');
  refuseCardNumber('maskedPan', fields.get('maskedPan'));
  const authorisationCode = optional(fields, 'authorisationId', AUTHORISATION_ID);
  const brand = cardBrandOf(fields.get('paymentMeanBrand'));
  const last4 = lastFourOf(fields.get('maskedPan'));
  // How Sips took an authorisation, when it says: VALIDATION kept it for a validation (manual).
  const captureMode = fields.get('captureMode');
  const capture = captureMode === CAPTURE_MODE_VALIDATION ? 'manual' : captureMode === CAPTURE_MODE_AUTHOR_CAPTURE ? 'automatic' : undefined;
  const status = statusForResponseCode(responseCode);
  const authentication = sipsAuthenticationOf(fields);
  return {
    attemptRef,
    status,
    amount,
    currency: currency.code,
    // Sips knows a transaction by the merchant's transactionReference: it is what Sips Office searches by.
    bankTransactionId: attemptRef,
    ...(authorisationCode !== undefined ? { authorisationCode } : {}),
    ...(brand !== undefined && last4 !== undefined ? { card: { brand, last4 } } : {}),
    responseCode: acquirerResponseCode !== undefined ? `${responseCode}/${acquirerResponseCode}` : responseCode,
    ...(status === 'authorised' && capture !== undefined ? { capture } : {}),
    ...(authentication !== undefined ? { authentication } : {}),
  };
}
