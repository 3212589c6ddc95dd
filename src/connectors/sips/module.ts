import type { ConnectorModule } from '../connector-module.js';
import { readSipsSettings, type SipsSettings } from './settings.js';
import { SipsConnector } from './sips-connector.js';

/**
 * Worldline Sips 2.0, Paypage POST: SIPS_MERCHANT_ID, SIPS_SECRET_KEYS (`1:key1,2:key2`),
 * SIPS_KEY_VERSION, SIPS_PAYMENT_URL, SIPS_INTERFACE_VERSION (HP_2.20), SIPS_LEGACY_SEAL,
 * SIPS_ENCODE_BASE64; SIPS_OFFICE_URL and SIPS_CAPTURE_DAYS for capture, void, refund and status
 * over Sips Office JSON. docs/connectors.md.
 */
export const sipsModule: ConnectorModule<SipsSettings> = {
  name: 'sips',
  readSettings: readSipsSettings,
  async create(settings, deps) {
    return new SipsConnector(settings, { logger: deps.logger });
  },
};
