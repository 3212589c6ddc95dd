/**
 * The package's public surface: for Node shops that mount the gateway in their own Express app, and for
 * the parts built beside it (the sandbox bank, the demo), which use nothing of the gateway but this file
 * and the shared bank wire formats in src/protocols/.
 */
export { createGateway, type GatewayApp, type GatewayDeps, type GatewayHandle } from './app.js';
export { loadConfig, ConfigError, type GatewayConfig } from './config.js';
export { knownCardBrand } from './i18n/card-brands.js';
export { createLogger, type Logger } from './logger.js';
export { GatewayKeystore } from './keys/keystore.js';
export type { BankConnector, RedirectForm } from './connectors/bank-connector.js';
export type { PaymentStore } from './store/payment-store.js';
export { assertNever, type AnomalyKind, type Payment, type PaymentStatus, type Attempt, type Locale } from './core/payment.js';
export type { PaymentEvent, PaymentEventType } from './core/events.js';
export { findCurrency, findCurrencyByNumeric, formatAmount, fromDecimalString, type Currency } from './core/money.js';
export { luhnValid } from './core/card-data.js';
export { useViews } from './http/views.js';
export { listenFailure } from './http/port-in-use.js';
export { verifyWebhook, WebhookVerificationError } from './notify/verify-webhook.js';
