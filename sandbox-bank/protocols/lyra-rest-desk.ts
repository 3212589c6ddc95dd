import { createHash } from 'node:crypto';
import { LYRA_ERROR, LYRA_OPERATION_METADATA_KEY, type LyraRestService } from '../../src/protocols/lyra/rest-api.js';
import type { RegisteredMerchant } from '../merchants.js';
import { testEffectOf, type TestEffect } from '../operations/test-behaviour.js';
import type { BankTransaction, TransactionBook } from '../transaction-book.js';
import { amountCaptured, cancel, capture, captureStatusOf, refund, settleRefunds, type MoneyChange } from '../transaction-money.js';
import { lyraOrderMetadataOf, transUuid } from './lyra-response.js';

/** What one REST call answers: the V4 envelope's status and answer, and how the answer leaves. */
export interface LyraRestOutcome {
  status: 'SUCCESS' | 'ERROR';
  answer: Record<string, unknown>;
  delivery: 'now' | 'timeout' | 'late';
}

const MESSAGES: Record<string, string> = {
  [LYRA_ERROR.TRANSACTION_NOT_FOUND]: 'transaction not found',
  [LYRA_ERROR.INCORRECT_STATUS]: 'incorrect transaction status',
  [LYRA_ERROR.INVALID_AMOUNT]: 'invalid amount',
  [LYRA_ERROR.UNKNOWN_CURRENCY]: 'unknown currency',
  PSP_003: 'payment refused',
  [LYRA_ERROR.UNAUTHORIZED_ACTION]: 'unauthorized action',
  [LYRA_ERROR.INPUT_VALIDATION_ERROR]: 'web-service input data validation error',
};

export function lyraError(code: string, detail?: string): LyraRestOutcome {
  return {
    status: 'ERROR',
    answer: { errorCode: code, errorMessage: MESSAGES[code] ?? 'error', detailedErrorCode: null, detailedErrorMessage: detail ?? null, _type: 'V4/WebService/WebServiceError' },
    delivery: 'now',
  };
}

/** The sandbox's money rules refused: the code Lyra gives for the same refusal (errors_psp.html). */
function codeOf(change: Extract<MoneyChange, { accepted: false }>): string {
  switch (change.error) {
    case 'amount_exceeds_capturable':
    case 'amount_exceeds_refundable':
      return LYRA_ERROR.INVALID_AMOUNT;
    case 'currency_mismatch':
      return LYRA_ERROR.UNKNOWN_CURRENCY;
    case 'unknown_transaction':
      return LYRA_ERROR.TRANSACTION_NOT_FOUND;
    case 'operation_declined':
      return 'PSP_003';
    default:
      // invalid_state, and capture_window_closed: the transaction is EXPIRED, its status forbids it.
      return LYRA_ERROR.INCORRECT_STATUS;
  }
}

/** A refund is a transaction of its own at Lyra: its uuid, derived from the bank's operation id. */
function refundUuid(bankOpId: string): string {
  return createHash('sha256').update(`lyra refund uuid\n${bankOpId}`, 'utf8').digest('hex').slice(0, 32);
}

function deliveryOf(effect: TestEffect | undefined): LyraRestOutcome['delivery'] {
  return effect === 'timeout_once' ? 'timeout' : effect === 'late' ? 'late' : 'now';
}

/**
 * The back office of Lyra's REST API V4 in the sandbox: Transaction/Get, Transaction/Update,
 * Transaction/Validate, Transaction/CancelOrRefund and Order/Get over the shared transaction book and
 * money rules. Synchronous, like the native desk: a check and the change it allows are one step.
 */
export class LyraRestDesk {
  /** Amounts lowered by Transaction/Update, before the validation takes them. */
  private readonly updatedAmounts = new Map<string, number>();

  constructor(private readonly book: TransactionBook) {}

  run(merchant: RegisteredMerchant, service: LyraRestService, body: Record<string, unknown>, now: Date): LyraRestOutcome {
    if (service === 'Order/Get') return this.order(merchant, body, now);
    const transaction = typeof body.uuid === 'string' ? this.byUuid(merchant, body.uuid, now) : undefined;
    if (!transaction) return lyraError(LYRA_ERROR.TRANSACTION_NOT_FOUND);
    switch (service) {
      case 'Transaction/Get':
        return this.success(transaction, now, 'now');
      case 'Transaction/Update':
        return this.update(transaction, body, now);
      case 'Transaction/Validate': {
        const amount = this.updatedAmounts.get(transaction.bankTxnId) ?? transaction.amount;
        const effect = testEffectOf(merchant, { type: 'capture', amount });
        if (effect === 'decline') return lyraError('PSP_003');
        return this.applied(capture(transaction, { opId: `validate-${transaction.bankTxnId}`, amount, currency: transaction.currency }, now), now, deliveryOf(effect));
      }
      case 'Transaction/CancelOrRefund':
        return this.cancelOrRefund(merchant, transaction, body, now);
      default:
        return lyraError(LYRA_ERROR.INPUT_VALIDATION_ERROR, 'unknown web service');
    }
  }

  /** `POST …/Transaction/Update`: a downward amount for a transaction still to validate. */
  private update(transaction: BankTransaction, body: Record<string, unknown>, now: Date): LyraRestOutcome {
    const cardUpdate = (body.cardUpdate ?? {}) as { amount?: unknown; currency?: unknown };
    if (captureStatusOf(transaction, now) !== 'awaiting_capture') return lyraError(LYRA_ERROR.INCORRECT_STATUS);
    if (cardUpdate.currency !== undefined && cardUpdate.currency !== transaction.currency) return lyraError(LYRA_ERROR.UNKNOWN_CURRENCY);
    const amount = cardUpdate.amount;
    if (typeof amount !== 'number' || !Number.isInteger(amount) || amount < 1 || amount > transaction.amount) return lyraError(LYRA_ERROR.INVALID_AMOUNT);
    this.updatedAmounts.set(transaction.bankTxnId, amount);
    return this.success(transaction, now, 'now');
  }

  private cancelOrRefund(merchant: RegisteredMerchant, transaction: BankTransaction, body: Record<string, unknown>, now: Date): LyraRestOutcome {
    const mode = body.resolutionMode ?? 'AUTO';
    const state = captureStatusOf(transaction, now);
    const cancelling = mode === 'CANCELLATION_ONLY' || (mode === 'AUTO' && state === 'awaiting_capture');
    if (cancelling) {
      if (state === 'captured') return lyraError(LYRA_ERROR.CANCEL_IMPOSSIBLE_TRY_REFUND);
      const effect = testEffectOf(merchant, { type: 'cancel' });
      if (effect === 'decline') return lyraError('PSP_003');
      return this.applied(cancel(transaction, { opId: `cancel-${transaction.bankTxnId}` }, now), now, deliveryOf(effect));
    }
    if (state === 'awaiting_capture') return lyraError(LYRA_ERROR.REFUND_NOT_YET_AVAILABLE);
    const amount = body.amount === undefined ? amountCaptured(transaction) : body.amount;
    if (typeof amount !== 'number' || !Number.isInteger(amount) || amount < 1) return lyraError(LYRA_ERROR.INVALID_AMOUNT);
    if (typeof body.currency !== 'string') return lyraError(LYRA_ERROR.UNKNOWN_CURRENCY);
    const metadata = (body.metadata ?? {}) as Record<string, unknown>;
    const opIdValue = metadata[LYRA_OPERATION_METADATA_KEY];
    const opId = typeof opIdValue === 'string' ? opIdValue : `refund-${transaction.refunds.length + 1}`;
    const effect = testEffectOf(merchant, { type: 'refund', amount });
    if (effect === 'decline') return lyraError('PSP_003');
    const reason = typeof body.comment === 'string' ? body.comment : undefined;
    const change = refund(transaction, { opId, amount, currency: body.currency, ...(reason !== undefined ? { reason } : {}) }, now);
    if (!change.accepted) return lyraError(codeOf(change));
    this.book.replace(change.next);
    const made = change.next.refunds.at(-1)!;
    return { status: 'SUCCESS', answer: this.refundTransaction(change.next, made), delivery: deliveryOf(effect) };
  }

  /** `POST …/Order/Get {orderId}`: the payment of the order and its refunds. */
  private order(merchant: RegisteredMerchant, body: Record<string, unknown>, now: Date): LyraRestOutcome {
    const orderId = typeof body.orderId === 'string' ? body.orderId : '';
    const found = this.book
      .all()
      .filter((t) => t.protocol === 'lyra' && t.merchantId === merchant.merchantId && t.protocolData.orderId === orderId && t.status !== 'awaiting_card')
      .map((t) => this.settled(t, now));
    if (found.length === 0) return lyraError(LYRA_ERROR.TRANSACTION_NOT_FOUND);
    const transactions = found.flatMap((t) => [this.describe(t, now), ...t.refunds.map((r) => this.refundTransaction(t, r))]);
    return { status: 'SUCCESS', answer: { orderId, transactions, _type: 'V4/OrderTransactions' }, delivery: 'now' };
  }

  private applied(change: MoneyChange, now: Date, delivery: LyraRestOutcome['delivery']): LyraRestOutcome {
    if (!change.accepted) return lyraError(codeOf(change));
    this.book.replace(change.next);
    return this.success(change.next, now, delivery);
  }

  private success(transaction: BankTransaction, now: Date, delivery: LyraRestOutcome['delivery']): LyraRestOutcome {
    return { status: 'SUCCESS', answer: this.describe(transaction, now), delivery };
  }

  private byUuid(merchant: RegisteredMerchant, uuid: string, now: Date): BankTransaction | undefined {
    const found = this.book.all().find((t) => t.protocol === 'lyra' && t.merchantId === merchant.merchantId && t.status !== 'awaiting_card' && transUuid(t.bankTxnId) === uuid.toLowerCase());
    return found ? this.settled(found, now) : undefined;
  }

  private settled(transaction: BankTransaction, now: Date): BankTransaction {
    const settled = settleRefunds(transaction, now);
    if (settled !== transaction) this.book.replace(settled);
    return settled;
  }

  /** A payment as a V4 PaymentTransaction: detailedStatus as Lyra names the states. */
  private describe(t: BankTransaction, now: Date): Record<string, unknown> {
    const state = captureStatusOf(t, now);
    const detailedStatus =
      t.status === 'refused' || t.status === 'error'
        ? 'REFUSED'
        : t.status === 'cancelled'
          ? 'ABANDONED'
          : state === 'awaiting_capture'
            ? 'AUTHORISED_TO_VALIDATE'
            : state === 'voided'
              ? 'CANCELLED'
              : state === 'lapsed'
                ? 'EXPIRED'
                : 'CAPTURED';
    const status = detailedStatus === 'CAPTURED' || detailedStatus === 'AUTHORISED_TO_VALIDATE' ? (detailedStatus === 'CAPTURED' ? 'PAID' : 'RUNNING') : detailedStatus === 'ABANDONED' ? 'ABANDONED' : 'UNPAID';
    const amount = state === 'captured' ? amountCaptured(t) : (this.updatedAmounts.get(t.bankTxnId) ?? t.amount);
    return {
      uuid: transUuid(t.bankTxnId),
      amount,
      currency: t.currency,
      operationType: 'DEBIT',
      status,
      detailedStatus,
      orderDetails: { orderId: t.protocolData.orderId ?? null },
      // The form's vads_order_info fields, as Lyra returns them over REST.
      metadata: Object.keys(lyraOrderMetadataOf(t.protocolData)).length > 0 ? lyraOrderMetadataOf(t.protocolData) : null,
      transactionDetails: { parentTransactionUuid: null, cardDetails: { expectedCaptureDate: t.captureBefore ?? null, manualValidation: t.captureMode === 'manual' ? 'YES' : 'NO' } },
      _type: 'V4/PaymentTransaction',
    };
  }

  private refundTransaction(t: BankTransaction, r: BankTransaction['refunds'][number]): Record<string, unknown> {
    return {
      uuid: refundUuid(r.bankOpId),
      amount: r.amount,
      currency: t.currency,
      operationType: 'CREDIT',
      status: r.status === 'pending' ? 'RUNNING' : r.status === 'succeeded' ? 'PAID' : 'UNPAID',
      detailedStatus: r.status === 'pending' ? 'WAITING_AUTHORISATION' : r.status === 'succeeded' ? 'CAPTURED' : 'REFUSED',
      orderDetails: { orderId: t.protocolData.orderId ?? null },
      metadata: { [LYRA_OPERATION_METADATA_KEY]: r.opId },
      transactionDetails: { parentTransactionUuid: transUuid(t.bankTxnId), cardDetails: null },
      _type: 'V4/PaymentTransaction',
    };
  }
}
