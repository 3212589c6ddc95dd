import { z } from 'zod';
import { InvalidBankMessageError } from '../../core/errors.js';
import type { BankOutcome } from '../../core/transition.js';
import type { CheckoutSession } from './checkout-session.js';

const eventSchema = z.object({
  id: z.string().regex(/^evt_[A-Za-z0-9]{1,250}$/),
  object: z.literal('event'),
  type: z.string().min(1).max(200),
  livemode: z.boolean(),
  data: z.object({ object: z.unknown() }),
});

export type StripeEvent = z.infer<typeof eventSchema>;

/** The Checkout events that say something about an attempt; every other type is acknowledged and ignored. */
export const SESSION_EVENT_TYPES = [
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'checkout.session.expired',
] as const;

export type SessionEventType = (typeof SESSION_EVENT_TYPES)[number];

export function isSessionEvent(type: string): type is SessionEventType {
  return (SESSION_EVENT_TYPES as readonly string[]).includes(type);
}

/** Parses an event from the bytes whose signature was just verified. */
export function parseEvent(rawBody: Buffer): StripeEvent {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new InvalidBankMessageError('malformed_event');
  }
  const parsed = eventSchema.safeParse(json);
  if (!parsed.success) throw new InvalidBankMessageError('malformed_event');
  return parsed.data;
}

/**
 * The attempt's status as a Checkout event tells it. Money is only ever "authorised" when the session
 * itself says `paid`, whatever the event type.
 */
export function statusForEvent(type: SessionEventType, session: CheckoutSession): BankOutcome['status'] {
  switch (type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
      // A completed session that is unpaid waits for an asynchronous method's verdict.
      return session.payment_status === 'paid' ? 'authorised' : 'pending';
    case 'checkout.session.async_payment_failed':
      return 'refused';
    case 'checkout.session.expired':
      return 'cancelled';
    default:
      return type satisfies never;
  }
}
