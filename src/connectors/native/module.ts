import type { ConnectorModule } from '../connector-module.js';
import { loadBankKeys } from './bank-keys.js';
import { NativeConnector } from './native-connector.js';
import { readNativeSettings, type NativeSettings } from './settings.js';

/**
 * The native JWS protocol (docs/protocol.md): BANK_ID, BANK_MERCHANT_ID, BANK_PAYMENT_URL, BANK_JWKS_URL
 * or BANK_JWKS_FILE; with BANK_OPERATIONS_URL, capture, void, refund and status (section 11).
 */
export const nativeModule: ConnectorModule<NativeSettings> = {
  name: 'native',
  readSettings: readNativeSettings,
  async create(settings, deps) {
    return new NativeConnector({
      bankId: settings.id,
      merchantId: settings.merchantId,
      paymentUrl: settings.paymentUrl,
      bankKeys: await loadBankKeys(settings),
      keystore: deps.keystore,
      ...(deps.clock ? { clock: deps.clock } : {}),
      ...(settings.operationsUrl ? { operations: { operationsUrl: settings.operationsUrl, captureWindowMs: settings.captureWindowMs } } : {}),
      logger: deps.logger,
    });
  },
};
