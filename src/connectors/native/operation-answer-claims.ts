import { z } from 'zod';
import { BANK_ID_PATTERN, OP_ID_PATTERN, OPERATION_ERROR_CODES, OPERATION_TYPES } from '../../protocols/native-operations.js';
import { transactionFacts } from './transaction-outcome.js';

const amount = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const currency = z.string().regex(/^[A-Z]{3}$/);
const word = z.string().regex(/^[a-z][a-z0-9_]{0,99}$/);

/**
 * The claims of a verified answer (docs/protocol.md, section 11.7) that the connector reads. An answer
 * that does not fit is treated as no answer, like one that does not verify (section 11.9).
 */
export const operationAnswerClaims = z.object({
  in_reply_to: z.string().min(1).max(200),
  error: z.enum(OPERATION_ERROR_CODES).optional(),
  op: z
    .object({
      op_id: z.string().regex(OP_ID_PATTERN),
      type: z.enum(OPERATION_TYPES).exclude(['status']),
      status: z.enum(['succeeded', 'pending', 'failed', 'refused']),
      amount: amount.optional(),
      currency: currency.optional(),
      bank_op_id: z.string().regex(BANK_ID_PATTERN).optional(),
      error: z.enum(OPERATION_ERROR_CODES).optional(),
      failure_reason: word.optional(),
    })
    .optional(),
  txn: transactionFacts
    .extend({
      status: z.enum(['pending', 'authorised', 'refused', 'cancelled', 'error']),
      capture: z.enum(['automatic', 'manual']),
      capture_status: z.enum(['awaiting_capture', 'captured', 'voided', 'lapsed']).optional(),
      amount_captured: amount,
      amount_refunded: amount,
      amount_refund_pending: amount,
    })
    .optional(),
});

export type OperationAnswerClaims = z.infer<typeof operationAnswerClaims>;
