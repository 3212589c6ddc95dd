import { z } from 'zod';
import type { BankOutcome } from '../../core/bank-outcome.js';
import { refuseCardNumber } from '../card-number-refusal.js';
import { BANK_ID_PATTERN } from '../../protocols/native-operations.js';

/**
 * The `txn` facts of docs/protocol.md section 6.1, as a response and an operations answer both carry
 * them. Every field fits its grammar or the message is refused: each is stored on the attempt and
 * served by the API and in webhooks.
 */
export const transactionFacts = z.object({
  ref: z.string().regex(/^[A-Za-z0-9]{1,40}$/),
  amount: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  currency: z.string().regex(/^[A-Z]{3}$/),
  bank_txn_id: z.string().regex(BANK_ID_PATTERN),
  auth_code: z.string().regex(/^[A-Za-z0-9]{1,32}$/).optional(),
  card: z.object({ brand: z.string().regex(/^[a-z_]{1,20}$/), last4: z.string().regex(/^\d{4}$/) }).optional(),
  // A lower-case word (docs/protocol.md), never free text: it is stored and shown as the response code.
  reason: z.string().regex(/^[a-z][a-z0-9_]{0,99}$/).optional(),
  capture_before: z.number().nonnegative().optional(),
});

export type TransactionFacts = z.infer<typeof transactionFacts>;

/**
 * The bank outcome these facts make. `capture` is how the bank says it took the money: a response
 * names `manual` only when the bank honoured a manual request (section 4.6), and a response without
 * it was captured in full, whatever we asked; an operations answer always says.
 */
export function outcomeOf(txn: TransactionFacts & { status: BankOutcome['status']; capture?: 'automatic' | 'manual' | undefined }): BankOutcome {
  refuseCardNumber('bank_txn_id', txn.bank_txn_id, 'identifier');
  refuseCardNumber('auth_code', txn.auth_code, 'identifier');
  refuseCardNumber('reason', txn.reason);
  const authorised = txn.status === 'authorised';
  const capture = txn.capture ?? 'automatic';
  return {
    attemptRef: txn.ref,
    status: txn.status,
    amount: txn.amount,
    currency: txn.currency,
    bankTransactionId: txn.bank_txn_id,
    ...(txn.auth_code !== undefined ? { authorisationCode: txn.auth_code } : {}),
    ...(txn.card !== undefined ? { card: txn.card } : {}),
    responseCode: txn.reason ?? txn.status,
    ...(authorised ? { capture } : {}),
    ...(authorised && capture === 'manual' && txn.capture_before !== undefined
      ? { captureBefore: new Date(txn.capture_before * 1000).toISOString() }
      : {}),
  };
}
