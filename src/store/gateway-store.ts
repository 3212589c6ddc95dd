import type { Outbox } from './outbox.js';
import type { PaymentStore } from './payment-store.js';

/** What the gateway runs on: payments, and the outbox their events are queued in by the same writes. */
export type GatewayStore = PaymentStore & Outbox;
