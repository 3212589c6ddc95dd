import type { BankOutcome } from '../../core/bank-outcome.js';
import { BankUnavailableError, InvalidBankMessageError } from '../../core/errors.js';
import type { Attempt, Payment } from '../../core/payment.js';
import type { BankCapabilities, BankOperations, OperationAnswer, OperationTarget } from '../bank-operations.js';
import { LYRA_ERROR, LYRA_OPERATION_METADATA_KEY, type LyraRestError } from '../../protocols/lyra/rest-api.js';
import type { LyraRestClient, LyraRestResult } from './rest-client.js';
import { readRestTransaction, type RestTransaction } from './rest-transaction.js';
import { outcomeStatusOf } from './trans-status.js';
import { ATTEMPT_METADATA_KEY, lyraOrderIdOf } from './order-fields.js';

const DAY_MS = 24 * 3600 * 1000;
/** Lyra's `comment` is a free text; a long reason is cut the same way on every try. */
const MAX_COMMENT_LENGTH = 255;

const unknown = (reason: string): OperationAnswer => ({ outcome: 'unknown', reason });
const refused = (reason: string): OperationAnswer => ({ outcome: 'refused', reason });

/**
 * A V4 error code as the gateway's refusal reason, or null when the code does not prove the operation
 * was not done: PSP_999 and any code not listed here (Lyra adds codes without notice,
 * errors-reference.html) leave the outcome unknown, to be asked again.
 */
export function refusalReasonOfLyraCode(code: string): string | null {
  switch (code) {
    case LYRA_ERROR.TRANSACTION_NOT_FOUND:
      return 'unknown_transaction';
    case LYRA_ERROR.INCORRECT_STATUS:
    case LYRA_ERROR.CANCEL_IMPOSSIBLE_TRY_REFUND:
    case LYRA_ERROR.REFUND_NOT_YET_AVAILABLE:
      return 'invalid_state';
    case LYRA_ERROR.INVALID_AMOUNT:
      return 'invalid_amount';
    case LYRA_ERROR.UNKNOWN_CURRENCY:
      return 'currency_mismatch';
    case LYRA_ERROR.UNAUTHORIZED_ACTION:
    case LYRA_ERROR.REFUND_NOT_ALLOWED:
      return 'operation_not_supported';
    case 'PSP_003':
      return 'operation_declined';
    case LYRA_ERROR.INPUT_VALIDATION_ERROR:
      return 'invalid_request';
    default:
      return null;
  }
}

function answerOfError(error: LyraRestError): OperationAnswer {
  const reason = refusalReasonOfLyraCode(error.errorCode);
  return reason === null ? unknown(`lyra_${error.errorCode.toLowerCase()}`) : refused(reason);
}

/** Validated or captured: the money is (or will be, at Lyra's nightly capture) taken. */
const VALIDATED = new Set(['AUTHORISED', 'CAPTURED']);

/**
 * Capture, void, refund and status over Lyra's REST API V4 (PayZen, Systempay): Transaction/Update,
 * Transaction/Validate, Transaction/CancelOrRefund, Transaction/Get and Order/Get, each naming the
 * payment by its `uuid`, the vads_trans_uuid kept as the attempt's bankTransactionId.
 *
 * The API has no idempotency key. A capture or a void asked again reads the transaction
 * (Transaction/Get) when Lyra says its status no longer allows it, and answers what it finds. A
 * refund is sent once, with the operation's id in its metadata; a refund whose answer was lost is
 * looked for among the order's transactions (Order/Get) by that id, never sent again.
 */
export class LyraOperations implements BankOperations {
  readonly capabilities: BankCapabilities;
  private readonly client: LyraRestClient;

  constructor(client: LyraRestClient, captureDelayDays: number) {
    this.client = client;
    this.capabilities = {
      manualCapture: true,
      captureWindowMs: captureDelayDays * DAY_MS,
      // Transaction/Validate validates the transaction once; what Transaction/Update took off is released.
      multipleCaptures: false,
      capture: true,
      void: true,
      refund: true,
      status: true,
    };
  }

  /**
   * A partial capture lowers the amount first (Transaction/Update, downward only), then validates
   * (Transaction/Validate). Lyra has no Transaction/Capture: a validated transaction is captured in its
   * next remittance.
   */
  async capture(target: OperationTarget, amount: number): Promise<OperationAnswer> {
    const uuid = target.attempt.bankTransactionId;
    if (uuid === undefined) return refused('unknown_transaction');
    const currency = target.payment.currency;
    if (amount < target.payment.amount) {
      const updated = await this.client.call('Transaction/Update', { uuid, cardUpdate: { amount, currency } });
      // PSP_014 "no change": the amount is already the one asked (an earlier try of this capture).
      if (updated.kind === 'error' && updated.error.errorCode !== LYRA_ERROR.NO_CHANGE) return this.afterRefusal(uuid, updated.error, 'capture');
      if (updated.kind === 'no_answer') return unknown(updated.reason);
    }
    const validated = await this.client.call('Transaction/Validate', { uuid });
    if (validated.kind === 'error') return this.afterRefusal(uuid, validated.error, 'capture');
    return this.transactionAnswer(validated, uuid, (t) => (VALIDATED.has(t.detailedStatus) ? { outcome: 'succeeded', amount: t.amount, currency: t.currency } : unknown(`status_${t.detailedStatus.toLowerCase()}`)));
  }

  /** Transaction/CancelOrRefund with CANCELLATION_ONLY: the authorisation is released, nothing refunded. */
  async void(target: OperationTarget): Promise<OperationAnswer> {
    const uuid = target.attempt.bankTransactionId;
    if (uuid === undefined) return refused('unknown_transaction');
    const result = await this.client.call('Transaction/CancelOrRefund', { uuid, currency: target.payment.currency, resolutionMode: 'CANCELLATION_ONLY' });
    if (result.kind === 'error') return this.afterRefusal(uuid, result.error, 'void');
    return this.transactionAnswer(result, uuid, cancelledAnswer);
  }

  /**
   * Transaction/CancelOrRefund with REFUND_ONLY and the amount: each call is one refund (a CREDIT
   * transaction of its own, whose uuid is the bankReference), several are allowed up to what was
   * captured.
   */
  async refund(target: OperationTarget, amount: number, reason: string | null): Promise<OperationAnswer> {
    const uuid = target.attempt.bankTransactionId;
    if (uuid === undefined) return refused('unknown_transaction');
    const comment = reason ? [...reason].slice(0, MAX_COMMENT_LENGTH).join('') : undefined;
    const result = await this.client.call('Transaction/CancelOrRefund', {
      uuid,
      amount,
      currency: target.payment.currency,
      resolutionMode: 'REFUND_ONLY',
      ...(comment ? { comment } : {}),
      metadata: { [LYRA_OPERATION_METADATA_KEY]: target.operationId },
    });
    if (result.kind === 'error') return answerOfError(result.error);
    if (result.kind === 'no_answer') return unknown(result.reason);
    return refundAnswer(readRestTransaction(result.answer), target);
  }

  /** The refund sent for this operation, found by its metadata among the order's transactions (Order/Get). */
  async refundStatus(target: OperationTarget): Promise<OperationAnswer> {
    const result = await this.client.call('Order/Get', { orderId: lyraOrderIdOf(target.payment, target.attempt) });
    if (result.kind === 'no_answer') return unknown(result.reason);
    // No order yet is not a refusal of the refund: the first request may still be on its way.
    if (result.kind === 'error') return unknown(`lyra_${result.error.errorCode.toLowerCase()}`);
    const found = transactionsOf(result.answer).find((t) => t.operationType === 'CREDIT' && t.metadata?.[LYRA_OPERATION_METADATA_KEY] === target.operationId);
    return found ? refundAnswer(found, target) : unknown('refund_not_found');
  }

  /**
   * Transaction/Get by the uuid; an attempt whose notification never came has no uuid yet, so its
   * order is read instead (Order/Get by vads_order_id) and the payment of this attempt taken: the
   * attempts of one payment share the order id, and each carries its reference in its metadata.
   */
  async status(target: Omit<OperationTarget, 'operationId'>): Promise<BankOutcome | null> {
    const { attempt } = target;
    let transaction: RestTransaction | undefined;
    if (attempt.bankTransactionId !== undefined) {
      const result = await this.client.call('Transaction/Get', { uuid: attempt.bankTransactionId });
      if (result.kind === 'error' && result.error.errorCode === LYRA_ERROR.TRANSACTION_NOT_FOUND) return null;
      if (result.kind !== 'success') throw new BankUnavailableError();
      transaction = readRestTransaction(result.answer);
      if (transaction.uuid !== attempt.bankTransactionId) throw new InvalidBankMessageError('answer_for_another_transaction');
    } else {
      const result = await this.client.call('Order/Get', { orderId: lyraOrderIdOf(target.payment, attempt) });
      if (result.kind === 'error' && result.error.errorCode === LYRA_ERROR.TRANSACTION_NOT_FOUND) return null;
      if (result.kind !== 'success') throw new BankUnavailableError();
      transaction = transactionsOf(result.answer).find((t) => t.operationType === 'DEBIT' && t.metadata?.[ATTEMPT_METADATA_KEY] === attempt.ref);
      if (!transaction) return null;
    }
    return outcomeOf(transaction, target.payment, attempt);
  }

  /**
   * PSP_011 and the like after a capture or a void: the transaction may already be where this
   * operation would have put it (an earlier try whose answer was lost). Its status decides.
   */
  private async afterRefusal(uuid: string, error: LyraRestError, operation: 'capture' | 'void'): Promise<OperationAnswer> {
    const first = answerOfError(error);
    if (error.errorCode !== LYRA_ERROR.INCORRECT_STATUS && error.errorCode !== LYRA_ERROR.CANCEL_IMPOSSIBLE_TRY_REFUND) return first;
    const now = await this.client.call('Transaction/Get', { uuid });
    if (now.kind !== 'success') return unknown('status_unavailable');
    const t = readRestTransaction(now.answer);
    if (t.uuid !== uuid) return unknown('answer_for_another_transaction');
    if (operation === 'capture' && VALIDATED.has(t.detailedStatus)) return { outcome: 'succeeded', amount: t.amount, currency: t.currency };
    if (operation === 'void' && t.detailedStatus === 'CANCELLED') return { outcome: 'succeeded', amount: t.amount, currency: t.currency };
    if (t.detailedStatus === 'EXPIRED') return refused('capture_window_closed');
    return first;
  }

  private transactionAnswer(result: LyraRestResult, uuid: string, read: (t: RestTransaction) => OperationAnswer): OperationAnswer {
    if (result.kind === 'no_answer') return unknown(result.reason);
    if (result.kind === 'error') return answerOfError(result.error);
    const t = readRestTransaction(result.answer);
    if (t.uuid !== uuid) return unknown('answer_for_another_transaction');
    return read(t);
  }
}

function cancelledAnswer(t: RestTransaction): OperationAnswer {
  if (t.detailedStatus !== 'CANCELLED') return unknown(`status_${t.detailedStatus.toLowerCase()}`);
  return { outcome: 'succeeded', amount: t.amount, currency: t.currency };
}

/** A refund transaction: what it says it gave back (the service flags an amount or currency not asked). */
function refundAnswer(t: RestTransaction, target: OperationTarget): OperationAnswer {
  if (t.operationType !== 'CREDIT') return unknown('answer_is_not_a_refund');
  if (t.parentUuid !== undefined && t.parentUuid !== target.attempt.bankTransactionId) return unknown('refund_of_another_transaction');
  if (t.detailedStatus === 'REFUSED' || t.detailedStatus === 'ERROR') return refused('operation_declined');
  if (t.status === 'RUNNING' || t.detailedStatus.startsWith('WAITING')) return { outcome: 'pending', bankReference: t.uuid };
  return { outcome: 'succeeded', amount: t.amount, currency: t.currency, bankReference: t.uuid };
}

function transactionsOf(answer: Record<string, unknown>): RestTransaction[] {
  const list = answer.transactions;
  if (!Array.isArray(list)) throw new InvalidBankMessageError('malformed_answer');
  return list.map((item) => readRestTransaction(item));
}

/** A Lyra transaction as a bank outcome about the attempt, read like an IPN's vads_trans_status. */
function outcomeOf(t: RestTransaction, payment: Payment, attempt: Attempt): BankOutcome {
  if (t.orderId !== undefined && t.orderId !== lyraOrderIdOf(payment, attempt)) throw new InvalidBankMessageError('answer_for_another_transaction');
  const ref = t.metadata?.[ATTEMPT_METADATA_KEY];
  if (ref !== undefined && ref !== attempt.ref) throw new InvalidBankMessageError('answer_for_another_transaction');
  const outcome: BankOutcome = { attemptRef: attempt.ref, status: outcomeStatusOf(t.detailedStatus), amount: t.amount, currency: t.currency, bankTransactionId: t.uuid, responseCode: t.detailedStatus };
  if (t.detailedStatus === 'AUTHORISED_TO_VALIDATE') {
    outcome.capture = 'manual';
    if (t.expectedCaptureDate !== undefined) outcome.captureBefore = t.expectedCaptureDate;
  }
  return outcome;
}
