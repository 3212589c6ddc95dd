import { randomBytes } from 'node:crypto';
import type { CaptureStatus, OperationErrorCode } from '../src/protocols/native-operations.js';
import type { BankTransaction } from './transaction-book.js';

/**
 * The money rules of one transaction (docs/protocol.md, section 11.6): what can still be captured,
 * voided or refunded, and the next state after each operation. Pure functions of the transaction and
 * an explicit instant; the book applies their results inside one synchronous step.
 */

/** 128 random bits, like a transaction id. */
export function newBankOpId(): string {
  return `sbxop${randomBytes(16).toString('hex')}`;
}

/** Where the authorisation stands; undefined for a transaction that was never authorised. */
export function captureStatusOf(transaction: BankTransaction, now: Date): CaptureStatus | undefined {
  if (transaction.status !== 'authorised') return undefined;
  if (transaction.captureMode === 'automatic' || transaction.captures.length > 0) return 'captured';
  if (transaction.voided) return 'voided';
  if (transaction.captureBefore !== undefined && now.getTime() >= Date.parse(transaction.captureBefore)) return 'lapsed';
  return 'awaiting_capture';
}

export function amountCaptured(transaction: BankTransaction): number {
  if (transaction.status !== 'authorised') return 0;
  if (transaction.captureMode === 'automatic') return transaction.amount;
  return transaction.captures.reduce((sum, capture) => sum + capture.amount, 0);
}

export function amountRefunded(transaction: BankTransaction): number {
  return transaction.refunds.filter((r) => r.status === 'succeeded').reduce((sum, r) => sum + r.amount, 0);
}

export function amountRefundPending(transaction: BankTransaction): number {
  return transaction.refunds.filter((r) => r.status === 'pending').reduce((sum, r) => sum + r.amount, 0);
}

/** A pending refund already holds its amount, so two refunds can never both take the last of it. */
export function amountRefundable(transaction: BankTransaction): number {
  return amountCaptured(transaction) - amountRefunded(transaction) - amountRefundPending(transaction);
}

/** The transaction with its pending refunds due by `now` settled; the same object when none is. */
export function settleRefunds(transaction: BankTransaction, now: Date): BankTransaction {
  const due = (at: string) => Date.parse(at) <= now.getTime();
  if (!transaction.refunds.some((r) => r.status === 'pending' && r.settlement && due(r.settlement.at))) return transaction;
  return {
    ...transaction,
    refunds: transaction.refunds.map((refund) => {
      if (refund.status !== 'pending' || !refund.settlement || !due(refund.settlement.at)) return refund;
      const { settlement, ...rest } = refund;
      return {
        ...rest,
        status: settlement.outcome,
        settledAt: settlement.at,
        ...(settlement.outcome === 'failed' ? { failureReason: 'refund_failed' } : {}),
      };
    }),
  };
}

export type MoneyChange = { accepted: true; next: BankTransaction; bankOpId: string } | { accepted: false; error: OperationErrorCode };

function refused(error: OperationErrorCode): MoneyChange {
  return { accepted: false, error };
}

/** The one capture of a manual authorisation: all or part of it; the rest is released. */
export function capture(transaction: BankTransaction, op: { opId: string; amount: number; currency: string }, now: Date): MoneyChange {
  const state = captureStatusOf(transaction, now);
  if (state === undefined || state === 'captured' || state === 'voided') return refused('invalid_state');
  if (op.currency !== transaction.currency) return refused('currency_mismatch');
  if (state === 'lapsed') return refused('capture_window_closed');
  if (op.amount > transaction.amount) return refused('amount_exceeds_capturable');
  const bankOpId = newBankOpId();
  const captured = { bankOpId, opId: op.opId, amount: op.amount, capturedAt: now.toISOString() };
  return { accepted: true, bankOpId, next: { ...transaction, captures: [...transaction.captures, captured] } };
}

/** Releases a manual authorisation nothing was captured from. */
export function cancel(transaction: BankTransaction, op: { opId: string }, now: Date): MoneyChange {
  const state = captureStatusOf(transaction, now);
  if (state === 'lapsed') return refused('capture_window_closed');
  if (state !== 'awaiting_capture') return refused('invalid_state');
  const bankOpId = newBankOpId();
  return { accepted: true, bankOpId, next: { ...transaction, voided: { bankOpId, opId: op.opId, voidedAt: now.toISOString() } } };
}

/**
 * Gives back all or part of what is left of the capture. With `settlement` the refund is accepted as
 * pending and settles then (an asynchronous refund); otherwise it succeeds at once.
 */
export function refund(
  transaction: BankTransaction,
  op: { opId: string; amount: number; currency: string; reason?: string },
  now: Date,
  settlement?: { at: Date; outcome: 'succeeded' | 'failed' },
): MoneyChange {
  if (captureStatusOf(transaction, now) !== 'captured') return refused('invalid_state');
  if (op.currency !== transaction.currency) return refused('currency_mismatch');
  if (op.amount > amountRefundable(transaction)) return refused('amount_exceeds_refundable');
  const bankOpId = newBankOpId();
  const createdAt = now.toISOString();
  const base = { bankOpId, opId: op.opId, amount: op.amount, ...(op.reason !== undefined ? { reason: op.reason } : {}), createdAt };
  const refundRecord = settlement
    ? { ...base, status: 'pending' as const, settlement: { at: settlement.at.toISOString(), outcome: settlement.outcome } }
    : { ...base, status: 'succeeded' as const, settledAt: createdAt };
  return { accepted: true, bankOpId, next: { ...transaction, refunds: [...transaction.refunds, refundRecord] } };
}
