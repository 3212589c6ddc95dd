import type { ConnectorModule } from '../connector-module.js';
import { MoneticoConnector } from './monetico-connector.js';
import { readMoneticoSettings, type MoneticoSettings } from './settings.js';

/**
 * Monetico Paiement (CM-CIC): MONETICO_TPE, MONETICO_KEY, MONETICO_COMPANY, MONETICO_PAYMENT_URL,
 * MONETICO_MAC_METHOD (fields | positional), MONETICO_VERSION (3.0), MONETICO_MERCHANT_EMAIL.
 */
export const moneticoModule: ConnectorModule<MoneticoSettings> = {
  name: 'monetico',
  readSettings(env, { production }) {
    return readMoneticoSettings(env, production);
  },
  async create(settings, deps) {
    return new MoneticoConnector({ ...settings, ...(deps.clock ? { clock: deps.clock } : {}) });
  },
};
