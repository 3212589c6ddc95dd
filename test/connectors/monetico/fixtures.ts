import { MoneticoConnector, type MoneticoConnectorOptions } from '../../../src/connectors/monetico/monetico-connector.js';
import type { Attempt, Payment } from '../../../src/core/payment.js';
import { pendingPayment } from '../pending-payment.js';
import { KIT_DEMO_KEY, TEST_COMPANY, TEST_SERVER_URL, TEST_TPE } from './monetico-bank.js';

export const ATTEMPT_REF = 'AMONETICOTESTATTEMPT2345672';

/** A pending payment with one attempt, as the checkout hands it to buildRequest. */
export function samplePayment(overrides: Partial<Payment> = {}): { payment: Payment; attempt: Attempt } {
  return pendingPayment('monetico', ATTEMPT_REF, { createdAt: '2026-03-17T09:40:10.000Z', expiresAt: '2026-03-17T10:10:10.000Z' }, overrides);
}

/** A connector on the test server with the kit's demo key, sealing with the current (`fields`) method. */
export function moneticoConnector(options: Partial<MoneticoConnectorOptions> = {}): MoneticoConnector {
  return new MoneticoConnector({
    tpe: TEST_TPE,
    key: KIT_DEMO_KEY,
    company: TEST_COMPANY,
    paymentUrl: TEST_SERVER_URL,
    macMethod: 'fields',
    version: '3.0',
    ...options,
  });
}

export const GATEWAY_RETURN_URL = 'http://gateway.test/bank/monetico/return';
export const GATEWAY_NOTIFY_URL = 'http://gateway.test/bank/monetico/notify';
