/** The package's public surface for Node shops that mount the gateway in their own Express app. */
export { createGateway, type GatewayApp, type GatewayDeps, type GatewayHandle } from './app.js';
export { loadConfig, ConfigError, type GatewayConfig } from './config.js';
export { GatewayKeystore } from './keys/keystore.js';
export type { BankConnector, RedirectForm } from './connectors/bank-connector.js';
export type { PaymentStore } from './store/payment-store.js';
export type { Payment, PaymentStatus, Attempt } from './core/payment.js';
export type { PaymentEvent, PaymentEventType } from './core/events.js';
export { verifyWebhook, WebhookVerificationError } from './notify/verify-webhook.js';
