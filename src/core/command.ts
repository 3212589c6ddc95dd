import type { BankOutcome } from './bank-outcome.js';
import type { Attempt, Payment } from './payment.js';
import type { EventSource, PaymentEvent } from './events.js';
import type { Refund } from './refund.js';

/** What the bank's answer to an operation says it did; checked against what was asked. */
export interface OperationAnswer {
  amount: number;
  currency: string;
}

/**
 * The bank confirmed a capture of `amount` (all that is capturable when absent). The service asks
 * the same command of the state machine before it calls the bank, so a refusal costs no bank call,
 * then applies it with the bank's answer. `multipleCaptures`: the payment's connector lets a
 * partial capture leave the rest capturable; otherwise the rest is released.
 */
export interface CaptureCommand {
  type: 'capture';
  amount?: number;
  currency?: string;
  multipleCaptures: boolean;
  bankAnswer?: OperationAnswer;
  /** The capture operation sent to the bank (its answer's anomalies are recorded once per operation). */
  operationId?: string;
}

/** The bank released the reservation of an authorized payment. */
export interface VoidCommand {
  type: 'void';
}

/** A refund is asked: its amount (all that is refundable when absent) is reserved, the refund pending. */
export interface RequestRefundCommand {
  type: 'request_refund';
  /** `re_…`, chosen by the caller, so a retried request finds its refund instead of making a second. */
  refundId: string;
  amount?: number;
  currency?: string;
  reason?: string;
}

/**
 * The bank's answer about a refund. `pending` (the bank is still on it) and `unknown` (no answer:
 * timeout, 5xx, connection cut) change nothing: the refund stays pending until the bank is asked again.
 */
export interface RefundOutcomeCommand {
  type: 'refund_outcome';
  refundId: string;
  status: 'succeeded' | 'failed' | 'pending' | 'unknown';
  bankReference?: string;
  failureReason?: string;
  /** What the bank says it refunded, when it says. */
  amount?: number;
  currency?: string;
}

/**
 * The bank tells, on its own (a webhook), of one refund of the payment's transaction: one we asked
 * for (`refundId`, carried back by the bank, or found by `bankReference`), or one made at the bank
 * without us (its dashboard), which is recorded as a refund of its own under `newRefundId`.
 */
export interface BankRefundCommand {
  type: 'bank_refund';
  /** Our refund id, when the bank carried back the operation id we sent with the refund. */
  refundId?: string;
  /** The bank's id of the refund. */
  bankReference: string;
  status: 'pending' | 'succeeded' | 'failed';
  amount: number;
  currency: string;
  failureReason?: string;
  /** `re_…`, the id a refund we never asked for is recorded under. */
  newRefundId: string;
}

export type Command =
  | { type: 'start_attempt'; attemptRef: string; connector: string; reuseWindowMs: number }
  /** `captureWindowMs`: how long the payment's bank keeps an authorisation; required for a manual payment. */
  | { type: 'bank_outcome'; outcome: BankOutcome; captureWindowMs?: number }
  | { type: 'cancel' }
  | { type: 'expire' }
  /** The buyer went back to the shop from the checkout page; the payment stays payable. */
  | { type: 'abandon_checkout' }
  | CaptureCommand
  | VoidCommand
  | RequestRefundCommand
  | RefundOutcomeCommand
  | BankRefundCommand;

export interface TransitionContext {
  now: Date;
  newEventId: () => string;
  /** Stamped on every event of the change: how the gateway learned it. */
  source?: EventSource;
}

/**
 * - applied: the command moved the payment, its attempt or its refund.
 * - duplicate: the same verdict was already recorded; nothing changes, the bank gets its acknowledgement.
 * - anomaly: recorded and flagged (late success, regression after success, second success).
 * - rejected: the message contradicts what we asked for (amount, currency); recorded as an anomaly, not applied.
 * - no_effect: nothing to do (bank still processing, answer unknown, expiry not due).
 */
export type Verdict = 'applied' | 'duplicate' | 'anomaly' | 'rejected' | 'no_effect';

export interface Transition {
  payment: Payment;
  events: PaymentEvent[];
  changed: boolean;
  verdict: Verdict;
  /** For start_attempt: the attempt the buyer is to be sent to the bank with. */
  attempt?: Attempt;
  /** For request_refund and refund_outcome: the refund as it now stands. */
  refund?: Refund;
}
