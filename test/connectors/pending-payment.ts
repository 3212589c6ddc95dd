import type { Attempt, Payment } from '../../src/core/payment.js';

/** A pending payment of 24.80 EUR with one attempt `ref` through `connector`, as the checkout hands it to buildRequest. */
export function pendingPayment(connector: string, ref: string, at: { createdAt: string; expiresAt: string }, overrides: Partial<Payment> = {}): { payment: Payment; attempt: Attempt } {
  const attempt: Attempt = { ref, connector, status: 'pending', createdAt: at.createdAt, updatedAt: at.createdAt };
  const payment: Payment = {
    id: 'pay_test',
    version: 2,
    status: 'pending',
    amount: 2480,
    currency: 'EUR',
    reference: 'order-1',
    description: 'A T-shirt',
    customer: { email: 'buyer@example.com', locale: 'fr' },
    returnUrl: 'https://shop.example/orders/1',
    metadata: {},
    connector,
    createdAt: at.createdAt,
    updatedAt: at.createdAt,
    expiresAt: at.expiresAt,
    attempts: [attempt],
    anomalies: [],
    ...overrides,
  };
  return { payment, attempt };
}
