import type { BankOutcome } from '../../core/bank-outcome.js';
import { BankUnavailableError } from '../../core/errors.js';
import { findCurrency } from '../../core/money.js';
import { amountCapturedOf, amountRefundedOf } from '../../core/payment-money.js';
import type { Payment } from '../../core/payment.js';
import {
  CASH_MANAGEMENT_INTERFACE_VERSION,
  DIAGNOSTIC_INTERFACE_VERSION,
  OFFICE_RESPONSE_CODES,
  OPERATION_ORIGIN,
  type OfficeFunction,
} from '../../protocols/sips/office.js';
import type { BankCapabilities, BankOperations, OperationAnswer, OperationTarget } from '../bank-operations.js';
import { amountField, readCashAnswer, type AskedOperation, type CashOperation } from './office-answer.js';
import type { OfficeExchange, OfficeExchangeResult } from './office-exchange.js';
import { outcomeOfTransactionData } from './transaction-data.js';

const unknown = (reason: string): OperationAnswer => ({ outcome: 'unknown', reason });

/** Statuses in which a validation has been done: the transaction is (to be) remitted. */
const VALIDATED = new Set(['TO_CAPTURE', 'CAPTURED', 'TO_CREDIT', 'CREDITED']);

function numericCurrency(payment: Payment): string {
  const currency = findCurrency(payment.currency);
  if (!currency) throw new Error(`no ISO 4217 numeric code for ${payment.currency}`);
  return currency.numeric;
}

/**
 * Capture (validate), void (cancel), refund and status (getTransactionData) over the Sips Office
 * JSON API. Sips Office has no idempotency key: a transaction is named by its transactionReference
 * and an operation by nothing of its own. So nothing is sent twice blindly:
 * - a refund whose answer was lost is settled by refundStatus, which reads the transaction's
 *   currentAmount and sends the refund again only when the bank shows that it was never made;
 * - a validate or cancel refused with code 24 (wrong state) is checked against the transaction:
 *   when an earlier try of the same operation already put it there, that try's success is the answer.
 */
export class SipsOperations implements BankOperations {
  readonly capabilities: BankCapabilities;
  private readonly exchange: OfficeExchange;

  constructor(exchange: OfficeExchange, captureDays: number) {
    this.exchange = exchange;
    this.capabilities = {
      manualCapture: true,
      captureWindowMs: captureDays * 86_400_000,
      // One validation per authorisation: a partial validation releases the rest.
      multipleCaptures: false,
      capture: true,
      void: true,
      refund: true,
      status: true,
    };
  }

  async capture(target: OperationTarget, amount: number): Promise<OperationAnswer> {
    const asked: AskedOperation = { operation: 'capture', amount, currency: target.payment.currency, heldBefore: target.payment.amount };
    const answer = await this.cash('validate', target, asked);
    if (answer.outcome === 'refused' && answer.reason === 'invalid_state') return this.alreadyDone(target, asked, answer);
    return answer;
  }

  async void(target: OperationTarget): Promise<OperationAnswer> {
    // A cancel of all that is held releases the authorisation.
    const asked: AskedOperation = { operation: 'void', amount: target.payment.amount, currency: target.payment.currency, heldBefore: target.payment.amount };
    const answer = await this.cash('cancel', target, asked);
    if (answer.outcome === 'refused' && answer.reason === 'invalid_state') return this.alreadyDone(target, asked, answer);
    return answer;
  }

  /** The merchant's reason stays with the gateway: a Sips Office refund has no free-text field. */
  async refund(target: OperationTarget, amount: number, _reason: string | null = null): Promise<OperationAnswer> {
    const asked = refundAsked(target.payment, amount);
    const result = await this.send('refund', target, asked);
    const answer = result.kind === 'answer' ? readCashAnswer(result.fields, asked) : unknown(result.reason);
    // Not yet remitted (TO_CAPTURE): Sips refuses a refund and takes a cancel of the amount instead,
    // which gives the buyer the same money back before it was ever taken.
    if (result.kind === 'answer' && answer.outcome === 'refused' && answer.reason === 'invalid_state' && result.fields.newStatus === 'TO_CAPTURE') {
      return this.cash('cancel', target, asked);
    }
    return answer;
  }

  /**
   * A refund sent before, whose answer never came: the transaction's currentAmount tells whether the
   * bank made it. Refunds settle in the order they were asked, so this one is done when the bank
   * shows at least the refunds confirmed so far plus every pending one up to it; not made when it
   * shows no more than those before it, and only then is it sent (for the first time at the bank).
   */
  async refundStatus(target: OperationTarget): Promise<OperationAnswer> {
    const { payment } = target;
    const refunds = payment.refunds ?? [];
    const index = refunds.findIndex((r) => r.id === target.operationId);
    const refund = refunds[index];
    if (!refund) return unknown('refund_not_on_payment');
    const result = await this.send('getTransactionData', target, null);
    if (result.kind === 'no_answer') return unknown(result.reason);
    const code = result.fields.responseCode;
    if (code === OFFICE_RESPONSE_CODES.unknownTransaction) return { outcome: 'refused', reason: 'unknown_transaction' };
    const currentAmount = amountField(result.fields, 'currentAmount');
    if (code !== OFFICE_RESPONSE_CODES.success || currentAmount === undefined) return unknown(`status_${String(code)}`);

    const refundedAtBank = amountCapturedOf(payment) - currentAmount;
    const confirmed = amountRefundedOf(payment);
    const pendingBefore = refunds.slice(0, index).filter((r) => r.status === 'pending').reduce((sum, r) => sum + r.amount, 0);
    if (refundedAtBank >= confirmed + pendingBefore + refund.amount) return { outcome: 'succeeded', amount: refund.amount, currency: payment.currency };
    if (refundedAtBank <= confirmed + pendingBefore) return this.refund(target, refund.amount);
    return unknown('refund_partly_seen');
  }

  async status(target: Omit<OperationTarget, 'operationId'>): Promise<BankOutcome | null> {
    const result = await this.send('getTransactionData', target, null);
    if (result.kind === 'no_answer') throw new BankUnavailableError();
    const code = result.fields.responseCode;
    if (code === OFFICE_RESPONSE_CODES.unknownTransaction) return null;
    if (code !== OFFICE_RESPONSE_CODES.success) throw new BankUnavailableError();
    return outcomeOfTransactionData(result.fields, target.attempt, target.payment.currency);
  }

  private async cash(fn: 'validate' | 'cancel' | 'refund', target: OperationTarget, asked: AskedOperation): Promise<OperationAnswer> {
    const result = await this.send(fn, target, asked);
    return result.kind === 'answer' ? readCashAnswer(result.fields, asked) : unknown(result.reason);
  }

  /** One Office call about the target's transaction; `asked` null for the diagnostic. */
  private send(fn: OfficeFunction, target: Pick<OperationTarget, 'payment' | 'attempt'>, asked: AskedOperation | null): Promise<OfficeExchangeResult> {
    const transactionReference = target.attempt.ref;
    if (asked === null) return this.exchange.call(fn, { interfaceVersion: DIAGNOSTIC_INTERFACE_VERSION, transactionReference });
    return this.exchange.call(fn, {
      interfaceVersion: CASH_MANAGEMENT_INTERFACE_VERSION,
      transactionReference,
      operationAmount: asked.amount,
      currencyCode: numericCurrency(target.payment),
      operationOrigin: OPERATION_ORIGIN,
    });
  }

  /**
   * A validate or cancel refused for the transaction's state: done by an earlier try of this same
   * operation when the transaction is where that try would have put it, with the amount it asked.
   */
  private async alreadyDone(target: OperationTarget, asked: AskedOperation, refusal: OperationAnswer): Promise<OperationAnswer> {
    const result = await this.send('getTransactionData', target, null);
    if (result.kind === 'no_answer') return unknown(result.reason);
    if (result.fields.responseCode !== OFFICE_RESPONSE_CODES.success) return refusal;
    const status = String(result.fields.transactionStatus ?? '');
    const currentAmount = amountField(result.fields, 'currentAmount');
    const done = doneBy(asked.operation, status, currentAmount, asked);
    return done ? { outcome: 'succeeded', amount: done, currency: target.payment.currency } : refusal;
  }
}

/** The amount an earlier try moved, when the transaction shows it; 0 when it does not. */
function doneBy(operation: CashOperation, status: string, currentAmount: number | undefined, asked: AskedOperation): number {
  if (operation === 'capture') return VALIDATED.has(status) && currentAmount !== undefined && currentAmount <= asked.amount ? asked.amount : 0;
  if (operation === 'void') return status === 'CANCELLED' ? asked.heldBefore : 0;
  return 0;
}

/** What a refund asks: the transaction held the captured amount less the refunds confirmed. */
function refundAsked(payment: Payment, amount: number): AskedOperation {
  return { operation: 'refund', amount, currency: payment.currency, heldBefore: amountCapturedOf(payment) - amountRefundedOf(payment) };
}
