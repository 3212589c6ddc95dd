import { z } from 'zod';
import { InvalidBankMessageError } from '../../core/errors.js';

/** The fields of a V4 `PaymentTransaction` the operations read, checked for shape (unknown fields pass). */
const restTransactionSchema = z.object({
  uuid: z.string().regex(/^[0-9a-f]{32}$/i),
  amount: z.number().int().nonnegative(),
  currency: z.string().regex(/^[A-Z]{3}$/),
  operationType: z.enum(['DEBIT', 'CREDIT']),
  status: z.string().max(40),
  detailedStatus: z.string().regex(/^[A-Z_]{1,40}$/),
  orderDetails: z.object({ orderId: z.string().max(64).nullish() }).nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  transactionDetails: z
    .object({
      parentTransactionUuid: z.string().max(64).nullish(),
      cardDetails: z.object({ expectedCaptureDate: z.string().max(40).nullish() }).nullish(),
    })
    .nullish(),
});

/** A transaction as the operations see it. */
export interface RestTransaction {
  uuid: string;
  amount: number;
  currency: string;
  operationType: 'DEBIT' | 'CREDIT';
  status: string;
  detailedStatus: string;
  orderId?: string;
  metadata?: Record<string, string>;
  /** The refunded payment, on a refund. */
  parentUuid?: string;
  /** When Lyra captures (ISO), the limit of a manual validation. */
  expectedCaptureDate?: string;
}

/** Reads one transaction of an answer; a shape that does not fit is not believed. */
export function readRestTransaction(value: unknown): RestTransaction {
  const parsed = restTransactionSchema.safeParse(value);
  if (!parsed.success) throw new InvalidBankMessageError('malformed_answer');
  const t = parsed.data;
  const captureDate = t.transactionDetails?.cardDetails?.expectedCaptureDate;
  return {
    uuid: t.uuid.toLowerCase(),
    amount: t.amount,
    currency: t.currency,
    operationType: t.operationType,
    status: t.status,
    detailedStatus: t.detailedStatus,
    ...(t.orderDetails?.orderId ? { orderId: t.orderDetails.orderId } : {}),
    ...(t.metadata ? { metadata: t.metadata } : {}),
    ...(t.transactionDetails?.parentTransactionUuid ? { parentUuid: t.transactionDetails.parentTransactionUuid.toLowerCase() } : {}),
    ...(captureDate && Number.isFinite(Date.parse(captureDate)) ? { expectedCaptureDate: new Date(Date.parse(captureDate)).toISOString() } : {}),
  };
}
