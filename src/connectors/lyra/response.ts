import { InvalidBankMessageError } from '../../core/errors.js';
import { findCurrencyByNumeric } from '../../core/money.js';
import type { MaskedCard } from '../../core/payment.js';
import type { BankOutcome } from '../../core/transition.js';
import { lyraAuthenticationOf } from './authentication.js';
import { refuseCardNumber } from '../card-number-refusal.js';
import { ATTEMPT_FIELD } from './order-fields.js';
import { outcomeStatusOf } from './trans-status.js';

/**
 * Reading a Lyra response (browser return or IPN) whose signature has been verified. Every field is
 * checked for shape before it is used; a response that does not fit is refused rather than guessed at.
 */

// Our attempt references are [A-Za-z0-9], carried in ATTEMPT_FIELD (an..255 in the dictionary).
const ATTEMPT_REF = /^[A-Za-z0-9]{1,64}$/;
const AMOUNT = /^\d{1,12}$/;
const NUMERIC_CURRENCY = /^\d{3}$/;
const TRANS_STATUS = /^[A-Z_]{1,40}$/;
const TRANS_UUID = /^[0-9a-f]{32}$/i;
// an..20 in the data dictionary.
const AUTH_NUMBER = /^[A-Za-z0-9]{1,20}$/;
const RESULT = /^\d{2}$/;
const AUTH_RESULT = /^[A-Za-z0-9]{1,3}$/;
// A masked number as Lyra sends it (`497010XXXXXX0055`); only its last four digits are kept.
const MASKED_NUMBER = /^[0-9X*]{0,15}(\d{4})$/;

function value(fields: Readonly<Record<string, string>>, name: string): string {
  return Object.hasOwn(fields, name) ? fields[name]! : '';
}

/** `VISA` → `visa`, `E-CARTEBLEUE` → `e_cartebleue`, `MASTERCARD` → `mastercard`. */
export function cardBrandName(brand: string): string {
  const name = brand
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 20);
  return name || 'unknown';
}

/** Brand and last four digits; the masked number itself goes no further than this function. */
export function maskedCardOf(fields: Readonly<Record<string, string>>): MaskedCard | undefined {
  refuseCardNumber('vads_card_number', value(fields, 'vads_card_number'));
  const last4 = MASKED_NUMBER.exec(value(fields, 'vads_card_number'))?.[1];
  if (!last4) return undefined;
  return { brand: cardBrandName(value(fields, 'vads_card_brand')), last4 };
}

/** `vads_result`, with `vads_auth_result` after a slash when there is one: `00`, `05/51`. */
export function responseCodeOf(fields: Readonly<Record<string, string>>): string | undefined {
  const result = value(fields, 'vads_result');
  const authResult = value(fields, 'vads_auth_result');
  if (!RESULT.test(result)) return undefined;
  return AUTH_RESULT.test(authResult) ? `${result}/${authResult}` : result;
}

/**
 * Lyra's transaction UUID, required: a second success for one attempt is flagged when two messages
 * name different transactions, so the id must come from the field that names the transaction and no
 * other (a fallback on vads_trans_id let a response with its UUID field renamed away report a
 * "different" transaction under a valid signature).
 */
export function bankTransactionIdOf(fields: Readonly<Record<string, string>>): string {
  const uuid = value(fields, 'vads_trans_uuid');
  if (!TRANS_UUID.test(uuid)) throw new InvalidBankMessageError('malformed_trans_uuid');
  return uuid.toLowerCase();
}

/**
 * The attempt a response is about. Attempts opened by earlier versions sent their reference as
 * vads_order_id and no ATTEMPT_FIELD: their late IPNs (Lyra retries for days) and status answers
 * must still find them, so an order id shaped like an attempt reference counts when the field is
 * absent. Never when it is present: then it alone names the attempt.
 */
function attemptRefOf(fields: Readonly<Record<string, string>>): string {
  if (Object.hasOwn(fields, ATTEMPT_FIELD)) return value(fields, ATTEMPT_FIELD);
  const orderId = value(fields, 'vads_order_id');
  return ATTEMPT_REF.test(orderId) ? orderId : '';
}

/** The outcome a verified response reports. Throws InvalidBankMessageError when a needed field is malformed. */
export function readOutcome(fields: Readonly<Record<string, string>>): BankOutcome {
  // vads_order_id is the shop's reference, shared by the payment's attempts: the attempt is told by
  // the field we set to its reference, and a message without one names no attempt of ours.
  const attemptRef = attemptRefOf(fields);
  if (!ATTEMPT_REF.test(attemptRef)) throw new InvalidBankMessageError('unknown_attempt');
  const transStatus = value(fields, 'vads_trans_status');
  if (!TRANS_STATUS.test(transStatus)) throw new InvalidBankMessageError('malformed_trans_status');
  const amount = value(fields, 'vads_amount');
  if (!AMOUNT.test(amount)) throw new InvalidBankMessageError('malformed_amount');
  const numericCurrency = value(fields, 'vads_currency');
  const currency = NUMERIC_CURRENCY.test(numericCurrency) ? findCurrencyByNumeric(numericCurrency) : undefined;
  if (!currency) throw new InvalidBankMessageError('unknown_currency');

  const outcome: BankOutcome = {
    attemptRef,
    status: outcomeStatusOf(transStatus),
    amount: Number(amount),
    currency: currency.code,
  };
  outcome.bankTransactionId = bankTransactionIdOf(fields);
  const authNumber = value(fields, 'vads_auth_number');
  refuseCardNumber('vads_auth_number', authNumber, 'identifier');
  if (AUTH_NUMBER.test(authNumber)) outcome.authorisationCode = authNumber;
  const card = maskedCardOf(fields);
  if (card !== undefined) outcome.card = card;
  // An abandoned payment has no result code: the status itself is what support needs to see.
  outcome.responseCode = responseCodeOf(fields) ?? transStatus;
  const authentication = lyraAuthenticationOf(fields);
  if (authentication !== undefined) outcome.authentication = authentication;
  return outcome;
}
