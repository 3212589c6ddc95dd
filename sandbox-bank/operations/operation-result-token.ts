import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import {
  OPERATION_RESULT_LIFETIME_SECONDS,
  OPERATION_RESULT_TYP,
  type OperationResultClaims,
  type OperationResultOperation,
  type OperationResultTransaction,
} from '../../src/protocols/native-operations.js';
import type { BankKeystore } from '../bank-keys.js';
import { isDecided, responseTransaction } from '../response-token.js';
import type { BankTransaction } from '../transaction-book.js';
import { amountCaptured, amountRefunded, amountRefundPending, captureStatusOf } from '../transaction-money.js';
import type { JournalEntry } from './operation-journal.js';

/** What an answer says, before the envelope (iss, aud, times, ids) is added. */
export type OperationResultBody = Pick<OperationResultClaims, 'error' | 'op' | 'txn'>;

const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** The facts a response would carry (section 6.1), less the two the answer states its own way. */
function responseFacts(transaction: BankTransaction): Omit<OperationResultTransaction, 'status' | 'capture' | `amount_${string}`> {
  if (!isDecided(transaction)) return { ref: transaction.ref, amount: transaction.amount, currency: transaction.currency, bank_txn_id: transaction.bankTxnId };
  const { status: _status, capture: _capture, ...facts } = responseTransaction(transaction);
  return facts;
}

/** The `txn` claim: the facts of a response (section 6.1) and where the money stands now. */
export function describeTransaction(transaction: BankTransaction, now: Date): OperationResultTransaction {
  const captureStatus = captureStatusOf(transaction, now);
  return {
    ...responseFacts(transaction),
    status: isDecided(transaction) ? transaction.status : 'pending',
    capture: transaction.captureMode,
    ...(captureStatus !== undefined ? { capture_status: captureStatus } : {}),
    amount_captured: amountCaptured(transaction),
    amount_refunded: amountRefunded(transaction),
    amount_refund_pending: amountRefundPending(transaction),
  };
}

/** The `op` claim for an op_id the journal holds, as it stands now (a pending refund may have settled). */
export function describeOperation(entry: JournalEntry, transaction: BankTransaction | undefined): OperationResultOperation {
  const base = {
    op_id: entry.opId,
    type: entry.type,
    ...(entry.amount !== undefined ? { amount: entry.amount } : {}),
    ...(entry.currency !== undefined ? { currency: entry.currency } : {}),
    created_at: seconds(entry.createdAt),
  };
  if ('error' in entry.outcome) return { ...base, status: 'refused', error: entry.outcome.error };
  const { bankOpId } = entry.outcome;
  const refund = entry.type === 'refund' ? transaction?.refunds.find((r) => r.bankOpId === bankOpId) : undefined;
  if (!refund) return { ...base, status: 'succeeded', bank_op_id: bankOpId };
  return {
    ...base,
    status: refund.status,
    bank_op_id: bankOpId,
    ...(refund.failureReason !== undefined ? { failure_reason: refund.failureReason } : {}),
  };
}

/**
 * Signs one answer. Each answer is a new message (its own jti and times) bound to the request it
 * answers by `in_reply_to`; a retried op_id gets the same facts in a new envelope.
 */
export async function signOperationResult(
  keys: BankKeystore,
  bankId: string,
  to: { merchantId: string; inReplyTo: string },
  body: OperationResultBody,
  now: Date,
): Promise<string> {
  const { kid, alg, key } = keys.signingKey;
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({ in_reply_to: to.inReplyTo, ...body })
    .setProtectedHeader({ alg, kid, typ: OPERATION_RESULT_TYP })
    .setIssuer(bankId)
    .setAudience(to.merchantId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + OPERATION_RESULT_LIFETIME_SECONDS)
    .setJti(randomUUID())
    .sign(key);
}
