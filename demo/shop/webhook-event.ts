import { z } from 'zod';

/*
 * The fields of a gateway webhook (docs/webhooks.md) the shop reads. Parsed only after the signature
 * has been verified; anything else in the body is ignored, so a newer gateway can add fields.
 */

const cardSchema = z.object({
  brand: z.string().min(1).max(32),
  last4: z.string().regex(/^\d{4}$/),
});

const attemptSchema = z.object({
  ref: z.string().min(1).max(64),
  status: z.string().max(32),
  card: cardSchema.nullish(),
});

const refundSchema = z.object({
  id: z.string().regex(/^re_[A-Za-z0-9_-]{1,64}$/),
  amount: z.number().int().positive(),
  currency: z.string().min(3).max(3),
  status: z.enum(['pending', 'succeeded', 'failed']),
  reason: z.string().max(500).nullish(),
  failureReason: z.string().max(500).nullish(),
});

const eventSchema = z.object({
  id: z.string().regex(/^evt_[A-Za-z0-9_-]{1,64}$/),
  type: z.string().min(1).max(64),
  createdAt: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'createdAt must be a date'),
  data: z.object({
    payment: z.object({
      id: z.string().min(1).max(64),
      reference: z.string().min(1).max(128),
      amount: z.number().int().nonnegative(),
      currency: z.string().min(3).max(3),
      attempts: z.array(attemptSchema).max(1000).default([]),
      capture: z.enum(['automatic', 'manual']).optional(),
      amountCaptured: z.number().int().nonnegative().optional(),
      amountRefunded: z.number().int().nonnegative().optional(),
    }),
    paymentVersion: z.number().int().nonnegative(),
    attemptRef: z.string().max(64).optional(),
    anomaly: z.string().max(64).optional(),
    /** The money the event moved: the capture on payment.captured, the refund's on refund.*. */
    amount: z.number().int().nonnegative().optional(),
    /** On refund.* events: the refund as it stands. */
    refund: refundSchema.optional(),
  }),
});

export type WebhookEvent = z.infer<typeof eventSchema>;

/** The event, or undefined when the body does not have the documented shape. */
export function parseWebhookEvent(body: unknown): WebhookEvent | undefined {
  const result = eventSchema.safeParse(body);
  return result.success ? result.data : undefined;
}
