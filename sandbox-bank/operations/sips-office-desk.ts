import { findCurrency, findCurrencyByNumeric } from '../../src/index.js';
import {
  CASH_MANAGEMENT_INTERFACE_PATTERN,
  DIAGNOSTIC_INTERFACE_PATTERN,
  OFFICE_RESPONSE_CODES,
  type OfficeFunction,
  type OfficeTransactionStatus,
} from '../../src/protocols/sips/office.js';
import { TRANSACTION_REFERENCE_PATTERN } from '../../src/protocols/sips/protocol.js';
import type { OperationErrorCode, OperationType } from '../../src/protocols/native-operations.js';
import type { RegisteredMerchant } from '../merchants.js';
import type { BankTransaction, TransactionBook } from '../transaction-book.js';
import { amountCaptured, amountRefunded, cancel, capture, captureStatusOf, newBankOpId, refund, settleRefunds, type MoneyChange } from '../transaction-money.js';
import type { AnswerDelivery } from './operations-desk.js';
import { testEffectOf } from './test-behaviour.js';

/** The protocol whose transactions Sips Office may touch. */
const PROTOCOL = 'sips';

/** The answer's fields before the seal, and how it leaves (at once, a 504 in its place, or late). */
export interface OfficeOutcome {
  fields: Record<string, string | number>;
  delivery: AnswerDelivery;
}

/** Sips Office's code for each refusal of the money rules. */
function responseCodeOf(error: OperationErrorCode): string {
  switch (error) {
    case 'amount_exceeds_capturable':
    case 'amount_exceeds_refundable':
      return OFFICE_RESPONSE_CODES.amountTooHigh;
    case 'unknown_transaction':
      return OFFICE_RESPONSE_CODES.unknownTransaction;
    case 'operation_not_supported':
      return OFFICE_RESPONSE_CODES.notSupported;
    case 'currency_mismatch':
      return OFFICE_RESPONSE_CODES.formatError;
    case 'operation_declined':
      return '05';
    default:
      // invalid_state, capture_window_closed: the state says why (newStatus).
      return OFFICE_RESPONSE_CODES.wrongState;
  }
}

/** YYYYMMDDHHmmss, UTC: Sips Office's date-times without separators. */
function compact(at: Date): string {
  return at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/**
 * The sandbox bank's Sips Office: validate, cancel, refund and getTransactionData of sealed requests
 * (the route checks the seal), against the shared transaction book and money rules. The bank remits
 * at once: a validated or automatic transaction is CAPTURED, refunded with refund, never cancelled.
 */
export class SipsOfficeDesk {
  private readonly book: TransactionBook;
  /** Transactions whose first status query already timed out (the `timeout_once` knob). */
  private readonly statusTimedOut = new Set<string>();
  /**
   * Sips Office has no operation id to answer a retry by: `timeout_once` times out the first
   * operation of each function on a transaction, and answers the later ones.
   */
  private readonly writeTimedOut = new Set<string>();

  constructor(book: TransactionBook) {
    this.book = book;
  }

  /** `run` is synchronous: the money check and the change it allows happen in one step. */
  run(merchant: RegisteredMerchant, fn: OfficeFunction, request: Readonly<Record<string, unknown>>, now: Date): OfficeOutcome {
    const interfaceVersion = String(request.interfaceVersion ?? '');
    const pattern = fn === 'getTransactionData' ? DIAGNOSTIC_INTERFACE_PATTERN : CASH_MANAGEMENT_INTERFACE_PATTERN;
    if (!pattern.test(interfaceVersion)) return answer({ responseCode: OFFICE_RESPONSE_CODES.formatError, errorFieldName: 'interfaceVersion' });
    const reference = String(request.transactionReference ?? '');
    if (!TRANSACTION_REFERENCE_PATTERN.test(reference)) return answer({ responseCode: OFFICE_RESPONSE_CODES.formatError, errorFieldName: 'transactionReference' });
    if (fn === 'getTransactionData') return this.diagnostic(merchant, reference, now);

    const amountText = String(request.operationAmount ?? '');
    const amount = /^\d{1,12}$/.test(amountText) ? Number(amountText) : 0;
    if (amount < 1) return answer({ responseCode: OFFICE_RESPONSE_CODES.formatError, errorFieldName: 'operationAmount' });
    const currency = findCurrencyByNumeric(String(request.currencyCode ?? ''));
    if (!currency) return answer({ responseCode: OFFICE_RESPONSE_CODES.formatError, errorFieldName: 'currencyCode' });

    const type: OperationType = fn === 'validate' ? 'capture' : fn;
    const effect = testEffectOf(merchant, { type, amount });
    const found = this.transaction(merchant, reference, now);
    let change: MoneyChange;
    if (effect === 'unsupported') change = { accepted: false, error: 'operation_not_supported' };
    else if (!found) change = { accepted: false, error: 'unknown_transaction' };
    else if (effect === 'decline') change = { accepted: false, error: 'operation_declined' };
    else change = this.apply(found, fn, amount, currency.code, now);

    const delivery: AnswerDelivery = !change.accepted ? 'now' : effect === 'late' ? 'late' : effect === 'timeout_once' && found ? this.timeoutOnce(merchant, found, fn) : 'now';
    if (change.accepted) this.book.replace(change.next);
    const after = change.accepted ? change.next : found;
    const fields: Record<string, string | number> = {
      responseCode: change.accepted ? OFFICE_RESPONSE_CODES.success : responseCodeOf(change.error),
      operationDateTime: now.toISOString(),
      ...(after ? { newAmount: currentAmountOf(after, now), newStatus: statusOf(after, now) } : {}),
      ...(change.accepted && fn === 'refund' ? { authorisationId: change.bankOpId.slice(-10), acquirerResponseCode: '00' } : {}),
      ...(fn === 'validate' && after?.captureBefore !== undefined ? { captureLimitDate: compact(new Date(after.captureBefore)).slice(0, 8) } : {}),
    };
    return { fields, delivery };
  }

  private timeoutOnce(merchant: RegisteredMerchant, transaction: BankTransaction, fn: OfficeFunction): AnswerDelivery {
    const key = `${merchant.merchantId}\n${transaction.bankTxnId}\n${fn}`;
    if (this.writeTimedOut.has(key)) return 'now';
    this.writeTimedOut.add(key);
    return 'timeout';
  }

  /** A Sips transaction of this merchant, its due refunds settled first. */
  private transaction(merchant: RegisteredMerchant, reference: string, now: Date): BankTransaction | undefined {
    const found = this.book.findByRef(PROTOCOL, merchant.merchantId, reference);
    if (!found) return undefined;
    const settled = settleRefunds(found, now);
    if (settled !== found) this.book.replace(settled);
    return settled;
  }

  private apply(transaction: BankTransaction, fn: Exclude<OfficeFunction, 'getTransactionData'>, amount: number, currency: string, now: Date): MoneyChange {
    const opId = newBankOpId();
    switch (fn) {
      case 'validate':
        return capture(transaction, { opId, amount, currency }, now);
      case 'cancel':
        // Only the whole of an authorisation kept for validation: after remittance, a refund is the way.
        if (captureStatusOf(transaction, now) === 'awaiting_capture') {
          if (currency !== transaction.currency) return { accepted: false, error: 'currency_mismatch' };
          if (amount > transaction.amount) return { accepted: false, error: 'amount_exceeds_capturable' };
          // A partial cancel (lowering the authorisation) is not modelled by the sandbox.
          if (amount !== transaction.amount) return { accepted: false, error: 'operation_not_supported' };
        }
        return cancel(transaction, { opId }, now);
      case 'refund':
        // Sips refunds answer at once: the sandbox's pending test amounts do not apply here.
        return refund(transaction, { opId, amount, currency }, now);
      default: {
        const unreachable: never = fn;
        return unreachable;
      }
    }
  }

  private diagnostic(merchant: RegisteredMerchant, reference: string, now: Date): OfficeOutcome {
    const effect = testEffectOf(merchant, { type: 'status' });
    if (effect === 'unsupported') return answer({ responseCode: OFFICE_RESPONSE_CODES.notSupported });
    const transaction = this.transaction(merchant, reference, now);
    if (!transaction) return answer({ responseCode: OFFICE_RESPONSE_CODES.unknownTransaction });
    let delivery: AnswerDelivery = effect === 'late' ? 'late' : 'now';
    if (effect === 'timeout_once') {
      const key = `${merchant.merchantId}\n${transaction.bankTxnId}`;
      delivery = this.statusTimedOut.has(key) ? 'now' : 'timeout';
      this.statusTimedOut.add(key);
    }
    return {
      delivery,
      fields: {
        responseCode: OFFICE_RESPONSE_CODES.success,
        transactionReference: transaction.ref,
        transactionStatus: statusOf(transaction, now),
        originAmount: transaction.amount,
        currentAmount: currentAmountOf(transaction, now),
        currencyCode: numericOf(transaction.currency),
        captureMode: transaction.captureMode === 'manual' ? 'VALIDATION' : 'AUTHOR_CAPTURE',
        ...(transaction.captureBefore !== undefined ? { captureLimitDate: compact(new Date(transaction.captureBefore)).slice(0, 8) } : {}),
        ...(transaction.authCode !== undefined ? { authorisationId: transaction.authCode } : {}),
        transactionDateTime: transaction.decidedAt ?? transaction.createdAt,
      },
    };
  }
}

function answer(fields: Record<string, string | number>): OfficeOutcome {
  return { fields, delivery: 'now' };
}

function numericOf(code: string): string {
  const currency = findCurrency(code);
  if (!currency) throw new Error(`no numeric code for ${code}`);
  return currency.numeric;
}

/** The transaction as Sips Office names its state. */
export function statusOf(transaction: BankTransaction, now: Date): OfficeTransactionStatus {
  switch (transaction.status) {
    case 'awaiting_card':
      return 'TO_AUTHORIZE';
    case 'refused':
    case 'error':
      return 'REFUSED';
    case 'cancelled':
      return 'ABORTED';
    case 'authorised':
      break;
  }
  switch (captureStatusOf(transaction, now)) {
    case 'awaiting_capture':
      return 'TO_VALIDATE';
    case 'voided':
      return 'CANCELLED';
    case 'lapsed':
      return 'EXPIRED';
    default:
      return amountCaptured(transaction) > 0 && amountRefunded(transaction) >= amountCaptured(transaction) ? 'CREDITED' : 'CAPTURED';
  }
}

/** What the transaction holds now: the authorisation while it waits, the capture less its refunds after. */
export function currentAmountOf(transaction: BankTransaction, now: Date): number {
  if (transaction.status !== 'authorised') return 0;
  switch (captureStatusOf(transaction, now)) {
    case 'awaiting_capture':
      return transaction.amount;
    case 'voided':
    case 'lapsed':
      return 0;
    default:
      return amountCaptured(transaction) - amountRefunded(transaction);
  }
}
