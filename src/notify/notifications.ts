import type { GatewayConfig } from '../config.js';
import type { GatewayKeystore } from '../keys/keystore.js';
import type { Logger } from '../logger.js';
import type { GatewayStore } from '../store/gateway-store.js';
import type { NotificationChannel } from './channel.js';
import { DeliveryWorker } from './delivery-worker.js';
import { BuyerReceiptChannel, MerchantEmailChannel } from './email-channel.js';
import { createMailer, type Mailer } from './email.js';
import { DEFAULT_RETRY_SCHEDULE } from './retry-schedule.js';
import { WebhookChannel } from './webhook-channel.js';

/**
 * The outbox targets the configuration asks for. The store queues every event for each of them in
 * the same write as the change, so this list must be known when the store is built.
 */
export function outboxTargets(config: GatewayConfig): string[] {
  return [
    ...config.notifications.webhookUrls.map((_, i) => `webhook:${i}`),
    ...(config.notifications.merchantEmail ? ['email:merchant'] : []),
    ...(config.notifications.buyerReceipts ? ['email:buyer'] : []),
  ];
}

/**
 * Why the merchant would hear of no payment at all, or null when a webhook or an email tells them.
 * Buyer receipts do not count: they go to the buyer.
 */
export function merchantSilence(config: GatewayConfig): string | null {
  const n = config.notifications;
  if (n.webhookUrls.length > 0 || n.merchantEmail) return null;
  return 'the merchant is told of no payment: neither MERCHANT_WEBHOOK_URL nor MERCHANT_EMAIL is set (only GET /api/v1/events shows what happened)';
}

export interface Notifications {
  worker: DeliveryWorker;
  mailer: Mailer;
  close(): Promise<void>;
}

export function createNotifications(config: GatewayConfig, deps: { store: GatewayStore; keystore: GatewayKeystore; logger: Logger; clock?: () => Date; httpsAgent?: unknown }): Notifications {
  const n = config.notifications;
  const mailer = createMailer({ ...(n.smtpUrl ? { smtpUrl: n.smtpUrl } : {}), from: n.mailFrom, outboxDir: n.mailOutboxDir, logger: deps.logger, ...(deps.clock ? { clock: deps.clock } : {}) });
  const channels: NotificationChannel[] = n.webhookUrls.map(
    (url, i) =>
      new WebhookChannel({
        target: `webhook:${i}`,
        url,
        keys: deps.keystore,
        secrets: n.webhookSecrets,
        timeoutMs: n.webhookTimeoutMs,
        checkoutUrl: (id) => `${config.publicUrl}/checkout/${id}`,
        ...(deps.httpsAgent ? { httpsAgent: deps.httpsAgent } : {}),
        ...(deps.clock ? { clock: deps.clock } : {}),
      }),
  );
  if (n.merchantEmail) channels.push(new MerchantEmailChannel(mailer, n.merchantEmail, config.merchantName));
  if (n.buyerReceipts) channels.push(new BuyerReceiptChannel(mailer, config.merchantName));
  const worker = new DeliveryWorker({
    store: deps.store,
    channels,
    logger: deps.logger,
    schedule: { ...DEFAULT_RETRY_SCHEDULE, maxAgeMs: n.webhookMaxAgeMs },
    // The lease must outlast one try (the webhook timeout), or a slow endpoint would be sent the event twice at once.
    leaseMs: Math.max(n.leaseMs, n.webhookTimeoutMs + 5_000),
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  return {
    worker,
    mailer,
    async close() {
      await worker.stop();
      mailer.close();
    },
  };
}
