import type { PaymentEvent, PaymentEventType } from '../../src/core/events.js';
import type { Payment } from '../../src/core/payment.js';
import { transition, type Command } from '../../src/core/transition.js';
import { CAPTURE_WINDOW_MS, deepFreeze, payment } from '../unit/fixtures.js';

/**
 * Payments and events after the payment, made by the core's own transitions so that they are exactly
 * what the outbox would hand to a channel.
 */
export interface Story {
  /** The payment after the last step. */
  payment: Payment;
  /** Every event of every step, oldest first. */
  events: PaymentEvent[];
  /** The first event of this type (throws when the story has none). */
  event(type: PaymentEventType, nth?: number): PaymentEvent;
}

const AUTHORISED = {
  status: 'authorised' as const,
  amount: 2480,
  currency: 'EUR',
  bankTransactionId: 'BT-778899',
  authorisationCode: 'A1B2C3',
  card: { brand: 'visa', last4: '4242' },
  responseCode: '00',
};

/** Runs the commands from a fresh payment (manual or automatic capture), each a minute after the last. */
export function story(capture: 'manual' | 'automatic', commands: Command[], overrides: Partial<Payment> = {}): Story {
  let current: Payment = payment({ ...(capture === 'manual' ? { capture: 'manual' } : {}), ...overrides });
  const events: PaymentEvent[] = [];
  const start = Date.parse('2025-03-01T10:00:00.000Z');
  const steps: Command[] = [
    { type: 'start_attempt', attemptRef: 'A1', connector: 'native', reuseWindowMs: 60_000 },
    { type: 'bank_outcome', outcome: { attemptRef: 'A1', ...AUTHORISED, amount: current.amount }, ...(capture === 'manual' ? { captureWindowMs: CAPTURE_WINDOW_MS } : {}) },
    ...commands,
  ];
  let n = 0;
  steps.forEach((command, i) => {
    const ctx = { now: new Date(start + i * 60_000), newEventId: () => `evt_step${i}n${(n += 1)}` };
    const result = transition(current, command, ctx);
    current = result.payment;
    events.push(...result.events);
  });
  const frozen = deepFreeze(current);
  return {
    payment: frozen,
    events,
    event(type, nth = 0) {
      const found = events.filter((e) => e.type === type)[nth];
      if (!found) throw new Error(`no ${type} event #${nth} in the story (${events.map((e) => e.type).join(', ')})`);
      return found;
    },
  };
}

/** Manual capture: authorised for 24.80 €, 20.00 € captured (the rest released), 5.00 € refunded. */
export function capturedThenRefunded(overrides: Partial<Payment> = {}): Story {
  return story(
    'manual',
    [
      { type: 'capture', amount: 2000, multipleCaptures: false },
      { type: 'request_refund', refundId: 're_first', amount: 500, reason: 'Returned the mug' },
      { type: 'refund_outcome', refundId: 're_first', status: 'succeeded', bankReference: 'RF-1001' },
    ],
    overrides,
  );
}

/** Automatic capture, paid, then a refund of 10.00 € the bank refuses. */
export function paidThenRefundRefused(overrides: Partial<Payment> = {}): Story {
  return story(
    'automatic',
    [
      { type: 'request_refund', refundId: 're_refused', amount: 1000 },
      { type: 'refund_outcome', refundId: 're_refused', status: 'failed', failureReason: 'card account closed' },
    ],
    overrides,
  );
}

