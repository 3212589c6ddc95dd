import { assertNever } from '../../src/index.js';
import { httpStatusOfOperationError, type OperationErrorCode, type OperationRequest, type StatusOperation } from '../../src/protocols/native-operations.js';
import type { RegisteredMerchant } from '../merchants.js';
import type { BankTransaction, TransactionBook } from '../transaction-book.js';
import { cancel, capture, refund, settleRefunds, type MoneyChange } from '../transaction-money.js';
import { fingerprintOf, OperationJournal, type JournalEntry, type WriteOperation } from './operation-journal.js';
import { describeOperation, describeTransaction, type OperationResultBody } from './operation-result-token.js';
import { testEffectOf, type TestEffect } from './test-behaviour.js';

/** Transactions the native operations API may touch: the merchant's own, opened in that protocol. */
const PROTOCOL = 'native';

/** How the answer leaves: at once, not at all (a 504 in its place), or after the late delay. */
export type AnswerDelivery = 'now' | 'timeout' | 'late';

export interface OperationOutcome {
  httpStatus: number;
  body: OperationResultBody;
  delivery: AnswerDelivery;
}

export interface OperationsDeskOptions {
  /** How long an asynchronous (test amount) refund stays pending. */
  refundSettleMs: number;
}

function deliveryOf(effect: TestEffect | undefined): AnswerDelivery {
  return effect === 'timeout_once' ? 'timeout' : effect === 'late' ? 'late' : 'now';
}

/**
 * The bank's back office for the native operations API: runs one verified operation against the
 * transaction book and the op_id journal. `run` is synchronous, so the op_id check, the money check
 * and the change it allows happen in one step, whatever else arrives at the same moment.
 */
export class OperationsDesk {
  private readonly book: TransactionBook;
  private readonly journal = new OperationJournal();
  private readonly options: OperationsDeskOptions;
  /** Transactions whose first status query already timed out (the `timeout_once` knob). */
  private readonly statusTimedOut = new Set<string>();

  constructor(book: TransactionBook, options: OperationsDeskOptions) {
    this.book = book;
    this.options = options;
  }

  run(merchant: RegisteredMerchant, op: OperationRequest, now: Date): OperationOutcome {
    switch (op.type) {
      case 'status':
        return this.status(merchant, op, now);
      case 'capture':
      case 'cancel':
      case 'refund':
        return this.write(merchant, op, now);
      default:
        return assertNever(op);
    }
  }

  /** Settles every pending refund that is due, so a page listing transactions shows them as they are. */
  settleDueRefunds(now: Date): void {
    for (const transaction of this.book.all()) {
      const settled = settleRefunds(transaction, now);
      if (settled !== transaction) this.book.replace(settled);
    }
  }

  /** A transaction of this merchant in the native protocol, its due refunds settled first. */
  private transaction(merchant: RegisteredMerchant, find: { bankTxnId: string } | { ref: string }, now: Date): BankTransaction | undefined {
    const found = 'ref' in find ? this.book.findByRef(PROTOCOL, merchant.merchantId, find.ref) : this.book.get(find.bankTxnId);
    if (!found || found.protocol !== PROTOCOL || found.merchantId !== merchant.merchantId) return undefined;
    const settled = settleRefunds(found, now);
    if (settled !== found) this.book.replace(settled);
    return settled;
  }

  private status(merchant: RegisteredMerchant, op: StatusOperation, now: Date): OperationOutcome {
    const effect = testEffectOf(merchant, op);
    if (effect === 'unsupported') return refusal('operation_not_supported', {});
    const transaction = this.transaction(merchant, op.bank_txn_id !== undefined ? { bankTxnId: op.bank_txn_id } : { ref: op.ref! }, now);
    if (!transaction) return refusal('unknown_transaction', {});
    const txn = describeTransaction(transaction, now);
    let delivery = deliveryOf(effect);
    if (delivery === 'timeout') {
      const key = `${merchant.merchantId}\n${transaction.bankTxnId}`;
      if (this.statusTimedOut.has(key)) delivery = 'now';
      else this.statusTimedOut.add(key);
    }
    if (op.op_id === undefined) return { httpStatus: 200, body: { txn }, delivery };
    const entry = this.journal.find(merchant.merchantId, op.op_id);
    if (!entry || entry.bankTxnId !== transaction.bankTxnId) return { ...refusal('unknown_operation', { txn }), delivery };
    return { httpStatus: 200, body: { op: describeOperation(entry, transaction), txn }, delivery };
  }

  private write(merchant: RegisteredMerchant, op: WriteOperation, now: Date): OperationOutcome {
    const fingerprint = fingerprintOf(op);
    const earlier = this.journal.find(merchant.merchantId, op.op_id);
    if (earlier) {
      // Nothing is said about the earlier operation: this request is not it.
      if (earlier.fingerprint !== fingerprint) return refusal('duplicate_op_id_mismatch', {});
      return this.answer(earlier, this.transaction(merchant, { bankTxnId: earlier.bankTxnId }, now), now, 'now');
    }

    const effect = testEffectOf(merchant, op);
    const transaction = this.transaction(merchant, { bankTxnId: op.bank_txn_id }, now);
    let change: MoneyChange;
    if (effect === 'unsupported') change = { accepted: false, error: 'operation_not_supported' };
    else if (!transaction) change = { accepted: false, error: 'unknown_transaction' };
    else if (effect === 'decline') change = { accepted: false, error: 'operation_declined' };
    else change = this.apply(transaction, op, effect, now);

    const entry: JournalEntry = {
      merchantId: merchant.merchantId,
      opId: op.op_id,
      type: op.type,
      fingerprint,
      bankTxnId: op.bank_txn_id,
      ...('amount' in op ? { amount: op.amount, currency: op.currency } : {}),
      createdAt: now.toISOString(),
      outcome: change.accepted ? { bankOpId: change.bankOpId } : { error: change.error },
    };
    // The change and its op_id are kept together, before anything is awaited.
    if (change.accepted) this.book.replace(change.next);
    this.journal.record(entry);
    return this.answer(entry, change.accepted ? change.next : transaction, now, change.accepted ? deliveryOf(effect) : 'now');
  }

  private apply(transaction: BankTransaction, op: WriteOperation, effect: TestEffect | undefined, now: Date): MoneyChange {
    switch (op.type) {
      case 'capture':
        return capture(transaction, { opId: op.op_id, amount: op.amount, currency: op.currency }, now);
      case 'cancel':
        return cancel(transaction, { opId: op.op_id }, now);
      case 'refund': {
        const pending: 'succeeded' | 'failed' | undefined = effect === 'pending_then_succeeded' ? 'succeeded' : effect === 'pending_then_failed' ? 'failed' : undefined;
        const settlement = pending ? { at: new Date(now.getTime() + this.options.refundSettleMs), outcome: pending } : undefined;
        return refund(transaction, { opId: op.op_id, amount: op.amount, currency: op.currency, ...(op.reason !== undefined ? { reason: op.reason } : {}) }, now, settlement);
      }
      default:
        return assertNever(op);
    }
  }

  private answer(entry: JournalEntry, transaction: BankTransaction | undefined, now: Date, delivery: AnswerDelivery): OperationOutcome {
    const op = describeOperation(entry, transaction);
    const txn = transaction ? { txn: describeTransaction(transaction, now) } : {};
    if (op.error) return { httpStatus: httpStatusOfOperationError(op.error), body: { error: op.error, op, ...txn }, delivery };
    return { httpStatus: op.status === 'pending' ? 202 : 200, body: { op, ...txn }, delivery };
  }
}

function refusal(error: OperationErrorCode, rest: Omit<OperationResultBody, 'error'>): OperationOutcome {
  return { httpStatus: httpStatusOfOperationError(error), body: { error, ...rest }, delivery: 'now' };
}
