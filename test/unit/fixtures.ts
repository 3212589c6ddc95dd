import type { Attempt, Payment } from '../../src/core/payment.js';
import type { BankOutcome, TransitionContext } from '../../src/core/transition.js';

/** The fixed instant every transition test runs at, unless it moves the clock on purpose. */
export const NOW = new Date('2025-03-01T10:00:00.000Z');
export const CREATED_AT = '2025-03-01T09:55:00.000Z';
export const EXPIRES_AT = '2025-03-01T10:30:00.000Z';
/** Seven days after the authorisation of the authorized fixture (at CREATED_AT). */
export const CAPTURE_WINDOW_MS = 7 * 24 * 3_600_000;
export const CAPTURE_BEFORE = new Date(Date.parse(CREATED_AT) + CAPTURE_WINDOW_MS).toISOString();

export function minutesFromNow(minutes: number): Date {
  return new Date(NOW.getTime() + minutes * 60_000);
}

/** A clock stuck at `now` and event ids `evt_1`, `evt_2`, … in the order they are asked for. */
export function fixedContext(now: Date = NOW): TransitionContext & { issued: string[] } {
  const issued: string[] = [];
  return {
    now,
    issued,
    newEventId: () => {
      const id = `evt_${issued.length + 1}`;
      issued.push(id);
      return id;
    },
  };
}

/** Freezes an object graph so any mutation by the code under test throws in strict mode. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

export function attempt(ref: string, status: Attempt['status'], overrides: Partial<Attempt> = {}): Attempt {
  return { ref, connector: 'native', status, createdAt: CREATED_AT, updatedAt: CREATED_AT, ...overrides };
}

export function payment(overrides: Partial<Payment> = {}): Payment {
  return {
    id: 'pay_test',
    version: 1,
    status: 'created',
    amount: 2480,
    currency: 'EUR',
    reference: 'order-42',
    description: 'T-shirt',
    customer: { email: 'buyer@example.com', locale: 'fr' },
    returnUrl: 'https://shop.example/orders/order-42',
    metadata: { productId: 'tshirt' },
    connector: 'native',
    createdAt: CREATED_AT,
    updatedAt: CREATED_AT,
    expiresAt: EXPIRES_AT,
    attempts: [],
    anomalies: [],
    ...overrides,
  };
}

/**
 * One frozen payment per status, each as the state machine would have left it:
 * the single attempt A1 was started five minutes ago (10:00 - 09:55), so it is outside a 60 s reuse window
 * and inside a 10 min one.
 */
export function paymentIn(status: Payment['status']): Payment {
  switch (status) {
    case 'created':
      return deepFreeze(payment());
    case 'pending':
      return deepFreeze(payment({ status: 'pending', version: 2, attempts: [attempt('A1', 'pending')] }));
    case 'succeeded':
      return deepFreeze(
        payment({
          status: 'succeeded',
          version: 3,
          attempts: [attempt('A1', 'authorised', { bankTransactionId: 'bank-1', authorisationCode: '123456', card: { brand: 'visa', last4: '4242' } })],
        }),
      );
    case 'failed':
      return deepFreeze(payment({ status: 'failed', version: 3, attempts: [attempt('A1', 'refused', { responseCode: '05' })] }));
    case 'cancelled':
      // Cancelled by the merchant while the buyer was still at the bank.
      return deepFreeze(payment({ status: 'cancelled', version: 3, attempts: [attempt('A1', 'pending')] }));
    case 'expired':
      // Expired while the buyer was still at the bank.
      return deepFreeze(payment({ status: 'expired', version: 3, attempts: [attempt('A1', 'pending')] }));
    case 'authorized':
      // A manual payment the bank authorised at NOW - 5 minutes, with seven days to capture it.
      return deepFreeze(
        payment({
          status: 'authorized',
          version: 3,
          capture: 'manual',
          captureBefore: CAPTURE_BEFORE,
          amountCapturable: 2480,
          amountCaptured: 0,
          amountRefunded: 0,
          attempts: [attempt('A1', 'authorised', { bankTransactionId: 'bank-1', authorisationCode: '123456', card: { brand: 'visa', last4: '4242' } })],
        }),
      );
  }
}

export function outcome(status: BankOutcome['status'], overrides: Partial<BankOutcome> = {}): BankOutcome {
  return { attemptRef: 'A1', status, amount: 2480, currency: 'EUR', ...overrides };
}
