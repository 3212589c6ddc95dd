import type { PaymentEvent } from '../../src/core/events.js';
import type { Payment } from '../../src/core/payment.js';
import { attempt, deepFreeze, payment } from '../unit/fixtures.js';

export const CHECKOUT_URL = 'https://gateway.example/checkout/pay_test';
export const SECRET = 'whsec_test_0123456789abcdef';

/** A paid payment as the state machine leaves it: one refused attempt, then one authorised. */
export function paidPayment(overrides: Partial<Payment> = {}): Payment {
  return deepFreeze(
    payment({
      status: 'succeeded',
      version: 5,
      updatedAt: '2025-03-01T10:02:00.000Z',
      attempts: [
        attempt('A1', 'refused', { responseCode: '05', card: { brand: 'mastercard', last4: '0005' } }),
        attempt('A2', 'authorised', {
          updatedAt: '2025-03-01T10:02:00.000Z',
          bankTransactionId: 'BT-778899',
          authorisationCode: 'A1B2C3',
          card: { brand: 'visa', last4: '4242' },
          responseCode: '00',
        }),
      ],
      ...overrides,
    }),
  );
}

export function succeededEvent(overrides: Partial<PaymentEvent> = {}): PaymentEvent {
  return {
    id: 'evt_3mJr7AoUXx7Wqd9zYBwZQ1',
    type: 'payment.succeeded',
    paymentId: 'pay_test',
    paymentVersion: 5,
    occurredAt: '2025-03-01T10:02:00.000Z',
    attemptRef: 'A2',
    ...overrides,
  };
}
