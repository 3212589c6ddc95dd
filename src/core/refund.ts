import { assertNever } from './assert-never.js';

/**
 * A refund: money given back after a capture, all or part of it. Its own object with its own id and
 * status, while it lives in its payment's record (Payment.refunds) so one compare-and-set guards both.
 *
 * - pending: asked of the bank (or about to be), its amount reserved; an answer that never came
 *   leaves it pending until the bank is asked again, never failed.
 * - succeeded: the bank gave the money back; it counts in the payment's amountRefunded.
 * - failed: the bank refused; its reservation is released.
 */
export type RefundStatus = 'pending' | 'succeeded' | 'failed';

export const REFUND_STATUSES: readonly RefundStatus[] = ['pending', 'succeeded', 'failed'];

export interface Refund {
  /** `re_…`. */
  id: string;
  paymentId: string;
  /** Minor units of the payment's currency; a safe positive integer. */
  amount: number;
  currency: string;
  status: RefundStatus;
  /** The merchant's words, for their own records; null when none was given. */
  reason: string | null;
  /** The bank's reference for the refund, once it gave one. */
  bankReference: string | null;
  /** The bank's reason for a refusal, kept verbatim for support. */
  failureReason: string | null;
  createdAt: string;
  updatedAt: string;
  /**
   * `bank`: made at the bank without the gateway (the bank's dashboard) and recorded when the bank
   * told of it. Absent for the refunds asked through the API.
   */
  source?: RefundSource;
}

export type RefundSource = 'bank';

/** Whether a refund holds its amount against what was captured: pending (reserved) and succeeded (given back). */
export function holdsAmount(status: RefundStatus): boolean {
  switch (status) {
    case 'pending':
    case 'succeeded':
      return true;
    case 'failed':
      return false;
    default:
      return assertNever(status);
  }
}
