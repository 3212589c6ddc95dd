import type { BankOutcome } from '../../core/bank-outcome.js';
import { BankUnavailableError, InvalidBankMessageError } from '../../core/errors.js';
import type { BankCapabilities, BankOperations, OperationAnswer, OperationTarget } from '../bank-operations.js';
import {
  MAX_REFUND_REASON_LENGTH,
  OP_ID_PATTERN,
  type OperationRequest,
  type StatusOperation,
  type WriteOperationType,
} from '../../protocols/native-operations.js';
import type { OperationExchange, OperationExchangeResult } from './operation-exchange.js';
import { refusalReasonOf } from './operation-refusal-reason.js';
import { outcomeOf } from './transaction-outcome.js';

export interface NativeOperationsOptions {
  /** The bank's operations URL (BANK_OPERATIONS_URL). */
  operationsUrl: string;
  /** How long the bank keeps a manual authorisation (BANK_CAPTURE_WINDOW). */
  captureWindowMs: number;
  /** One try, connection to the whole answer; default 10 s (section 11.1). */
  timeoutMs?: number;
}

/** What the gateway asked, to read the answer against. */
interface Asked {
  type: WriteOperationType;
  opId: string;
  target: OperationTarget;
}

const unknown = (reason: string): OperationAnswer => ({ outcome: 'unknown', reason });

/** A signed refusal code as an answer: final when it settles the operation, unknown when it does not. */
function refusal(code: Parameters<typeof refusalReasonOf>[0]): OperationAnswer {
  const reason = refusalReasonOf(code);
  return reason === null ? unknown(code) : { outcome: 'refused', reason };
}

/**
 * Capture, cancel (void), refund and status over the native operations API (docs/protocol.md,
 * section 11). Every write carries the target's operationId as its `op_id`, so sending it again after
 * an unknown outcome answers what the first try did and never moves money twice (section 11.5).
 */
export class NativeOperations implements BankOperations {
  readonly capabilities: BankCapabilities;
  private readonly exchange: OperationExchange;

  constructor(exchange: OperationExchange, captureWindowMs: number) {
    this.exchange = exchange;
    this.capabilities = {
      manualCapture: true,
      captureWindowMs,
      // Section 11.6: one capture per authorisation; a partial capture releases the rest.
      multipleCaptures: false,
      capture: true,
      void: true,
      refund: true,
      status: true,
    };
  }

  capture(target: OperationTarget, amount: number): Promise<OperationAnswer> {
    return this.write(target, 'capture', (common) => ({ type: 'capture', ...common, amount, currency: target.payment.currency }));
  }

  void(target: OperationTarget): Promise<OperationAnswer> {
    return this.write(target, 'cancel', (common) => ({ type: 'cancel', ...common }));
  }

  refund(target: OperationTarget, amount: number, reason: string | null): Promise<OperationAnswer> {
    // Cut the same way on every retry, so the op_id's body never changes (section 11.5).
    const text = reason ? [...reason].slice(0, MAX_REFUND_REASON_LENGTH).join('') : '';
    return this.write(target, 'refund', (common) => ({ type: 'refund', ...common, amount, currency: target.payment.currency, ...(text ? { reason: text } : {}) }));
  }

  async refundStatus(target: OperationTarget): Promise<OperationAnswer> {
    const opId = checkedOpId(target);
    const bankTxnId = target.attempt.bankTransactionId;
    if (bankTxnId === undefined) return { outcome: 'refused', reason: 'unknown_transaction' };
    const result = await this.exchange.send({ type: 'status', bank_txn_id: bankTxnId, op_id: opId });
    return readAnswer(result, { type: 'refund', opId, target });
  }

  async status(target: Omit<OperationTarget, 'operationId'>): Promise<BankOutcome | null> {
    const { attempt } = target;
    // A merchant whose notification was lost may not know the bank's id: the reference will do.
    const op: StatusOperation = attempt.bankTransactionId !== undefined ? { type: 'status', bank_txn_id: attempt.bankTransactionId } : { type: 'status', ref: attempt.ref };
    const result = await this.exchange.send(op);
    if (result.kind === 'no_answer') throw new BankUnavailableError();
    const { claims } = result;
    if (claims.error === 'unknown_transaction') return null;
    if (claims.error !== undefined || claims.txn === undefined) throw new BankUnavailableError();
    const { txn } = claims;
    if (txn.ref !== attempt.ref || (attempt.bankTransactionId !== undefined && txn.bank_txn_id !== attempt.bankTransactionId)) {
      throw new InvalidBankMessageError('answer_for_another_transaction');
    }
    return outcomeOf(txn);
  }

  private async write(
    target: OperationTarget,
    type: WriteOperationType,
    build: (common: { op_id: string; bank_txn_id: string }) => OperationRequest,
  ): Promise<OperationAnswer> {
    const opId = checkedOpId(target);
    const bankTxnId = target.attempt.bankTransactionId;
    // Nothing is sent: without the bank's id there is no transaction to name.
    if (bankTxnId === undefined) return { outcome: 'refused', reason: 'unknown_transaction' };
    const result = await this.exchange.send(build({ op_id: opId, bank_txn_id: bankTxnId }));
    return readAnswer(result, { type, opId, target });
  }
}

/** The operationId as an op_id; another shape would be refused unsigned by the bank, on every retry. */
function checkedOpId(target: Pick<OperationTarget, 'operationId'>): string {
  if (!OP_ID_PATTERN.test(target.operationId)) throw new TypeError('a native operation id must be 1 to 64 letters, digits, _ or -');
  return target.operationId;
}

/** Section 11.9: a verified answer about this very operation, applied; anything else is unknown. */
function readAnswer(result: OperationExchangeResult, asked: Asked): OperationAnswer {
  if (result.kind === 'no_answer') return unknown(result.reason);
  const { op, txn, error } = result.claims;
  if (op === undefined) return error !== undefined ? refusal(error) : unknown('answer_without_op');
  if (op.op_id !== asked.opId || op.type !== asked.type) return unknown('answer_for_another_operation');
  const bankReference = op.bank_op_id !== undefined ? { bankReference: op.bank_op_id } : {};
  switch (op.status) {
    case 'succeeded':
      return {
        outcome: 'succeeded',
        // What the bank says it moved (the service flags a difference); a cancel names no amount: it released the authorisation.
        amount: op.amount ?? txn?.amount ?? asked.target.payment.amount,
        currency: op.currency ?? txn?.currency ?? asked.target.payment.currency,
        ...bankReference,
      };
    case 'pending':
      return { outcome: 'pending', ...bankReference };
    case 'failed':
      // Accepted, then not done: its amount is released at the bank (section 11.8).
      return { outcome: 'refused', reason: op.failure_reason ?? 'refund_failed' };
    case 'refused': {
      const code = op.error ?? error;
      return code !== undefined ? refusal(code) : unknown('refusal_without_code');
    }
    default: {
      const unreachable: never = op.status;
      return unreachable;
    }
  }
}
