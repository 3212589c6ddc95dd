import { LyraConnector, type LyraConnectorOptions } from '../../../src/connectors/lyra/lyra-connector.js';
import type { Attempt, Payment } from '../../../src/core/payment.js';
import { MemoryPaymentStore } from '../../../src/store/memory-store.js';
import { pendingPayment } from '../pending-payment.js';
import { PAYZEN_URL, SITE_ID, TEST_KEY } from './lyra-bank.js';

/** A pending payment with one attempt, as the checkout hands it to buildRequest. */
export function samplePayment(overrides: Partial<Payment> = {}): { payment: Payment; attempt: Attempt } {
  return pendingPayment('lyra', 'ATESTATTEMPTREF0000000000001', { createdAt: '2024-03-05T10:20:30.000Z', expiresAt: '2024-03-05T10:50:30.000Z' }, overrides);
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
