import type { CaptureOperation, CancelOperation, OperationErrorCode, RefundOperation, WriteOperationType } from '../../src/protocols/native-operations.js';

export type WriteOperation = CaptureOperation | CancelOperation | RefundOperation;

/** What the bank did with one op_id: accepted (the operation is on the transaction) or refused. */
export interface JournalEntry {
  readonly merchantId: string;
  readonly opId: string;
  readonly type: WriteOperationType;
  /** The request's `op` members, in one fixed order: another body under this op_id is a mismatch. */
  readonly fingerprint: string;
  readonly bankTxnId: string;
  readonly amount?: number;
  readonly currency?: string;
  readonly createdAt: string;
  readonly outcome: { readonly bankOpId: string } | { readonly error: OperationErrorCode };
}

/** The members that define an operation, whatever order or extra members the token had. */
export function fingerprintOf(op: WriteOperation): string {
  return JSON.stringify([
    op.type,
    op.op_id,
    op.bank_txn_id,
    'amount' in op ? op.amount : null,
    'currency' in op ? op.currency : null,
    'reason' in op && op.reason !== undefined ? op.reason : null,
  ]);
}

/**
 * Every op_id a merchant used, for the life of the bank (in memory): the same op_id with the same
 * body is answered from here, never executed twice.
 */
export class OperationJournal {
  private readonly entries = new Map<string, JournalEntry>();

  find(merchantId: string, opId: string): JournalEntry | undefined {
    return this.entries.get(`${merchantId}\n${opId}`);
  }

  record(entry: JournalEntry): void {
    const key = `${entry.merchantId}\n${entry.opId}`;
    if (this.entries.has(key)) throw new Error(`op_id ${entry.opId} is already recorded`);
    this.entries.set(key, entry);
  }
}
