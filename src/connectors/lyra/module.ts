import type { ConnectorModule } from '../connector-module.js';
import { LyraConnector } from './lyra-connector.js';
import { activeKey, DEFAULT_CAPTURE_DELAY_DAYS, readLyraSettings, type LyraSettings } from './settings.js';

/**
 * Lyra's form API (PayZen, Systempay, Sogecommerce): LYRA_SITE_ID, LYRA_TEST_KEY, LYRA_PRODUCTION_KEY,
 * LYRA_CTX_MODE (TEST), LYRA_PAYMENT_URL (PayZen's), LYRA_SIGNATURE_ALGORITHM (HMAC-SHA-256 or SHA-1); with
 * LYRA_REST_PASSWORD (and LYRA_REST_URL), capture, void, refund and status over the REST API V4.
 */
export const lyraModule: ConnectorModule<LyraSettings> = {
  name: 'lyra',
  readSettings: readLyraSettings,
  async create(settings, deps) {
    return new LyraConnector({
      siteId: settings.siteId,
      ctxMode: settings.ctxMode,
      key: activeKey(settings),
      paymentUrl: settings.paymentUrl,
      signatureAlgorithm: settings.signatureAlgorithm,
      services: deps.services,
      ...(settings.rest ? { rest: settings.rest } : {}),
      captureDelayDays: settings.captureDelayDays ?? DEFAULT_CAPTURE_DELAY_DAYS,
      logger: deps.logger,
      ...(deps.clock ? { clock: deps.clock } : {}),
    });
  },
};
