import type { BankOutcome } from '../../core/bank-outcome.js';
import { InvalidBankMessageError } from '../../core/errors.js';
import { findCurrencyByNumeric } from '../../core/money.js';
import type { Attempt } from '../../core/payment.js';
import { refuseCardNumber } from '../card-number-refusal.js';
import { cardBrandOf, lastFourOf } from './card-brand.js';
import { amountField } from './office-answer.js';

function text(fields: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = fields[name];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/** `captureLimitDate` (YYYYMMDD) as the start of that day, UTC: never later than the bank's own limit. */
function captureBeforeOf(limit: string | undefined): string | undefined {
  const match = limit === undefined ? null : /^(\d{4})(\d{2})(\d{2})$/.exec(limit);
  if (!match) return undefined;
  const at = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Number.isNaN(at) ? undefined : new Date(at).toISOString();
}

/**
 * The attempt's outcome as a sealed getTransactionData answer (responseCode 00) tells it.
 * `transactionStatus` decides: TO_VALIDATE is an authorisation kept for a validation (manual);
 * TO_CAPTURE, CAPTURED, TO_CREDIT and CREDITED were authorised and taken; CANCELLED, EXPIRED and
 * ABORTED took nothing; REFUSED is a refusal; a transaction still being decided is pending.
 */
export function outcomeOfTransactionData(fields: Readonly<Record<string, unknown>>, attempt: Attempt, paymentCurrency: string): BankOutcome {
  const reference = text(fields, 'transactionReference');
  if (reference !== undefined && reference !== attempt.ref) throw new InvalidBankMessageError('answer_for_another_transaction');
  const status = text(fields, 'transactionStatus');
  const amount = amountField(fields, 'originAmount') ?? amountField(fields, 'amount');
  if (amount === undefined) throw new InvalidBankMessageError('missing_originAmount');
  const currencyCode = text(fields, 'currencyCode');
  const currency = currencyCode === undefined ? paymentCurrency : findCurrencyByNumeric(currencyCode)?.code;
  if (currency === undefined) throw new InvalidBankMessageError('unknown_currency');

  refuseCardNumber('authorisationId', text(fields, 'authorisationId'), 'identifier');
  refuseCardNumber('maskedPan', text(fields, 'maskedPan'));
  const authorisationId = text(fields, 'authorisationId');
  const brand = cardBrandOf(text(fields, 'paymentMeanBrand'));
  const last4 = lastFourOf(text(fields, 'maskedPan'));
  const facts = {
    attemptRef: attempt.ref,
    amount,
    currency,
    bankTransactionId: attempt.ref,
    ...(authorisationId !== undefined && /^[A-Za-z0-9]{1,10}$/.test(authorisationId) ? { authorisationCode: authorisationId } : {}),
    ...(brand !== undefined && last4 !== undefined ? { card: { brand, last4 } } : {}),
    responseCode: status ?? 'UNKNOWN',
  };
  switch (status) {
    case 'TO_VALIDATE': {
      const captureBefore = captureBeforeOf(text(fields, 'captureLimitDate'));
      return { ...facts, status: 'authorised', capture: 'manual', ...(captureBefore !== undefined ? { captureBefore } : {}) };
    }
    case 'TO_CAPTURE':
    case 'CAPTURED':
    case 'TO_CREDIT':
    case 'CREDITED':
      return { ...facts, status: 'authorised' };
    case 'CANCELLED':
    case 'EXPIRED':
    case 'ABORTED':
      return { ...facts, status: 'cancelled' };
    case 'REFUSED':
      return { ...facts, status: 'refused' };
    case 'TO_AUTHORIZE':
    case 'TO_CHALLENGE':
    case 'AUTHORISATION_REQUESTED':
    case 'PENDING':
      return { ...facts, status: 'pending' };
    default:
      throw new InvalidBankMessageError('unknown_transaction_status');
  }
}
