import type { OperationAnswer } from '../bank-operations.js';
import { findCurrencyByNumeric } from '../../core/money.js';
import { OFFICE_RESPONSE_CODES, OFFICE_RETRY_LATER_CODES } from '../../protocols/sips/office.js';

/** The cash-management operations the gateway sends, by the gateway's name. */
export type CashOperation = 'capture' | 'void' | 'refund';

/** What was asked, to read the answer against. */
export interface AskedOperation {
  operation: CashOperation;
  /** operationAmount as sent. */
  amount: number;
  /** ISO 4217 alphabetic, of the payment. */
  currency: string;
  /** What the transaction held before, as the gateway knows it: authorised (capture, void) or captured less refunded (refund). */
  heldBefore: number;
}

const unknown = (reason: string): OperationAnswer => ({ outcome: 'unknown', reason });

function text(fields: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = fields[name];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/** An amount field, as Sips writes it (a number or digits); undefined when absent or unreadable. */
export function amountField(fields: Readonly<Record<string, unknown>>, name: string): number | undefined {
  const value = text(fields, name);
  if (value === undefined || !/^\d{1,15}$/.test(value)) return undefined;
  const amount = Number(value);
  return Number.isSafeInteger(amount) ? amount : undefined;
}

/** The refusal reason of a code that settles the operation, in the gateway's words where it has its own. */
function refusalOf(code: string, asked: AskedOperation, newStatus: string | undefined): string {
  switch (code) {
    case OFFICE_RESPONSE_CODES.wrongState:
      // Sips lets an authorisation lapse to EXPIRED once its captureDay has passed.
      return asked.operation === 'capture' && newStatus === 'EXPIRED' ? 'capture_window_closed' : 'invalid_state';
    case OFFICE_RESPONSE_CODES.unknownTransaction:
      return 'unknown_transaction';
    case OFFICE_RESPONSE_CODES.amountTooHigh:
      return asked.operation === 'refund' ? 'amount_not_refundable' : 'amount_not_capturable';
    case OFFICE_RESPONSE_CODES.notSupported:
      return 'operation_not_supported';
    default:
      return 'operation_declined';
  }
}

/**
 * A sealed Office answer to validate, cancel or refund, read against what was asked. `00` is done:
 * the amount moved is what the answer's `newAmount` shows (so a bank that moved another amount meets
 * the service's anomaly path); the retry-later codes leave the outcome unknown; any other code is a
 * refusal. A `00` without a readable newAmount proves nothing about the amount: unknown.
 */
export function readCashAnswer(fields: Readonly<Record<string, unknown>>, asked: AskedOperation): OperationAnswer {
  const code = text(fields, 'responseCode');
  if (code === undefined || !/^\d{2}$/.test(code)) return unknown('answer_without_response_code');
  if (OFFICE_RETRY_LATER_CODES.includes(code)) return unknown(`retry_later_${code}`);
  if (code !== OFFICE_RESPONSE_CODES.success) return { outcome: 'refused', reason: refusalOf(code, asked, text(fields, 'newStatus')) };

  const newAmount = amountField(fields, 'newAmount');
  if (newAmount === undefined) return unknown('answer_without_new_amount');
  // Office answers name no currency; one that does must name the payment's.
  const currencyCode = text(fields, 'currencyCode');
  const currency = currencyCode === undefined ? asked.currency : (findCurrencyByNumeric(currencyCode)?.code ?? currencyCode);
  const bankReference = text(fields, 'authorisationId');
  const reference = bankReference !== undefined && /^[A-Za-z0-9]{1,32}$/.test(bankReference) ? { bankReference } : {};
  switch (asked.operation) {
    case 'capture':
      // After a validation the transaction's amount is what was validated (the rest is released).
      return { outcome: 'succeeded', amount: newAmount, currency, ...reference };
    case 'void':
      // A void releases everything: the amount released is what the transaction no longer holds.
      return { outcome: 'succeeded', amount: asked.heldBefore - newAmount, currency, ...reference };
    case 'refund': {
      // Other refunds may have been made meanwhile, so the transaction may hold less than expected;
      // holding more than `heldBefore - amount` means the bank did not refund all that was asked.
      const refunded = asked.heldBefore - newAmount;
      return { outcome: 'succeeded', amount: refunded >= asked.amount ? asked.amount : Math.max(refunded, 0), currency, ...reference };
    }
    default: {
      const unreachable: never = asked.operation;
      return unreachable;
    }
  }
}
