import { z } from 'zod';
import { PAYMENT_INTENT_ID } from './checkout-session.js';

/** Refund ids: `re_…` for cards, `pyr_…` for some other payment methods. */
export const REFUND_ID = /^(re|pyr)_[A-Za-z0-9]{1,250}$/;

/**
 * The part of a PaymentIntent object (API reference "The PaymentIntent object") that the capture and
 * the cancel answers are read from. Amounts are in Stripe's units (amounts.ts).
 */
export const paymentIntentSchema = z.object({
  id: z.string().regex(PAYMENT_INTENT_ID),
  object: z.literal('payment_intent'),
  status: z.string().min(1).max(40),
  amount: z.number().int().nonnegative(),
  amount_received: z.number().int().nonnegative(),
  currency: z.string().regex(/^[a-z]{3}$/),
});

export type StripePaymentIntent = z.infer<typeof paymentIntentSchema>;

/**
 * The part of a Refund object (API reference "The Refund object") the gateway reads: `status` is one of
 * pending, requires_action, succeeded, failed, canceled; `failure_reason` says why a refund failed.
 */
export const refundSchema = z.object({
  id: z.string().regex(REFUND_ID),
  object: z.literal('refund'),
  status: z.string().min(1).max(40).nullable(),
  amount: z.number().int().nonnegative(),
  currency: z.string().regex(/^[a-z]{3}$/),
  failure_reason: z.string().max(100).nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  /** The PaymentIntent refunded (null for a refund of a charge made without one). */
  payment_intent: z.string().regex(PAYMENT_INTENT_ID).nullish(),
});

export type StripeRefund = z.infer<typeof refundSchema>;

/**
 * The part of a Charge object (API reference "The Charge object") a `charge.refunded` event is read
 * from: its PaymentIntent. Since API version 2022-11-15 the charge no longer carries its refunds, so
 * they are listed from the API.
 */
export const chargeSchema = z.object({
  id: z.string().regex(/^(ch|py)_[A-Za-z0-9]{1,250}$/),
  object: z.literal('charge'),
  payment_intent: z.string().regex(PAYMENT_INTENT_ID).nullable(),
});

/** One page of a list endpoint (API reference "Pagination"): its items are parsed one by one. */
export const listPageSchema = z.object({
  object: z.literal('list'),
  data: z.array(z.unknown()),
  has_more: z.boolean(),
});
