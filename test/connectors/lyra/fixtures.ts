import { LyraConnector, type LyraConnectorOptions } from '../../../src/connectors/lyra/lyra-connector.js';
import type { Attempt, Payment } from '../../../src/core/payment.js';
import { MemoryPaymentStore } from '../../../src/store/memory-store.js';
import { PAYZEN_URL, SITE_ID, TEST_KEY } from './lyra-bank.js';

/** A pending payment with one attempt, as the checkout hands it to buildRequest. */
export function samplePayment(overrides: Partial<Payment> = {}): { payment: Payment; attempt: Attempt } {
  const at = '2024-03-05T10:20:30.000Z';
  const attempt: Attempt = { ref: 'ATESTATTEMPTREF0000000000001', connector: 'lyra', status: 'pending', createdAt: at, updatedAt: at };
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
    connector: 'lyra',
    createdAt: at,
    updatedAt: at,
    expiresAt: '2024-03-05T10:50:30.000Z',
    attempts: [attempt],
    anomalies: [],
    ...overrides,
  };
  return { payment, attempt };
}

/** A TEST-mode connector on a memory store unless told otherwise. */
export function lyraConnector(options: Partial<LyraConnectorOptions> = {}): LyraConnector {
  return new LyraConnector({
    siteId: SITE_ID,
    ctxMode: 'TEST',
    key: TEST_KEY,
    paymentUrl: PAYZEN_URL,
    signatureAlgorithm: 'HMAC-SHA-256',
    services: new MemoryPaymentStore(),
    ...options,
  });
}
