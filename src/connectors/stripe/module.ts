import type { ConnectorModule } from '../connector-module.js';
import { readStripeSettings, type StripeSettings } from './settings.js';
import { StripeConnector } from './stripe-connector.js';

/** Stripe Checkout (docs/connectors.md): STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET and optional STRIPE_* settings. */
export const stripeModule: ConnectorModule<StripeSettings> = {
  name: 'stripe',
  readSettings: readStripeSettings,
  async create(settings, deps) {
    return new StripeConnector({
      secretKey: settings.secretKey,
      webhookSecrets: settings.webhookSecrets,
      apiBase: settings.apiBase,
      checkoutOrigin: settings.checkoutOrigin,
      paymentMethodTypes: settings.paymentMethodTypes,
      logger: deps.logger,
      ...(deps.clock ? { clock: deps.clock } : {}),
    });
  },
};
