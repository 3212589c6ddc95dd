import { newId } from '../../src/core/ids.js';
import type { Payment } from '../../src/core/payment.js';

/** A just-created payment with its own id and reference, for store tests that only need one to exist. */
export function freshPayment(): Payment {
  const at = new Date().toISOString();
  return {
    id: newId('pay'),
    version: 1,
    status: 'created',
    amount: 990,
    currency: 'EUR',
    reference: `ref-${newId('msg')}`,
    description: null,
    customer: null,
    returnUrl: null,
    metadata: {},
    connector: 'native',
    createdAt: at,
    updatedAt: at,
    expiresAt: new Date(Date.now() + 60_000).toISOString(),
    attempts: [],
    anomalies: [],
  };
}
