import type { Attempt, Payment } from '../core/payment.js';
import type { BankOutcome } from '../core/bank-outcome.js';

/**
 * What a bank offers after the payment, over its own server-to-server API. The service reads it
 * before it asks anything, so an operation the bank does not have is refused (operation_not_supported)
 * without a call, and a manual payment is only offered by a connector that can capture.
 */
export interface BankCapabilities {
  /** The bank can hold an authorisation for a later capture (manual capture). */
  manualCapture: boolean;
  /** How long the bank keeps an authorisation, when manualCapture. */
  captureWindowMs?: number;
  /** A partial capture leaves the rest capturable (several captures); otherwise the rest is released. */
  multipleCaptures: boolean;
  capture: boolean;
  void: boolean;
  refund: boolean;
  /** The bank answers a status query about a transaction (force sync, reconciliation). */
  status: boolean;
}

/** Which payment and attempt an operation is about, and the operation's own id. */
export interface OperationTarget {
  payment: Payment;
  /** The attempt the bank authorised (its bankTransactionId is the bank's handle). */
  attempt: Attempt;
  /**
   * Chosen by the gateway once per operation and sent as the bank's idempotency key where it has
   * one: asking again with the same id never captures or refunds twice.
   */
  operationId: string;
}

/**
 * The bank's answer to one operation. `unknown` (timeout, 5xx, connection cut) is not a failure: the
 * operation may have happened, and the bank is asked again (status query, or the same idempotent
 * request) before anything else.
 */
export type OperationAnswer =
  | { outcome: 'succeeded'; amount: number; currency: string; bankReference?: string }
  | { outcome: 'pending'; bankReference?: string }
  | { outcome: 'refused'; reason: string }
  | { outcome: 'unknown'; reason: string };

/** The operations half of a connector: each method present only when its capability is true. */
export interface BankOperations {
  readonly capabilities: BankCapabilities;
  capture?(target: OperationTarget, amount: number): Promise<OperationAnswer>;
  void?(target: OperationTarget): Promise<OperationAnswer>;
  refund?(target: OperationTarget, amount: number, reason: string | null): Promise<OperationAnswer>;
  /** An earlier refund, by the operationId it was sent with. */
  refundStatus?(target: OperationTarget): Promise<OperationAnswer>;
  /** The transaction as the bank sees it now, as a bank outcome; null when the bank does not know it. */
  status?(target: Omit<OperationTarget, 'operationId'>): Promise<BankOutcome | null>;
}
