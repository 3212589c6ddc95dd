import type { GatewayConfig } from '../config.js';
import type { GatewayKeystore } from '../keys/keystore.js';
import type { Logger } from '../logger.js';
import type { GatewayStore } from '../store/gateway-store.js';
import type { EventTargets } from '../store/outbox.js';
import type { NotificationChannel } from './channel.js';
import { DeliveryWorker } from './delivery-worker.js';
import { BuyerReceiptChannel, MerchantEmailChannel } from './email-channel.js';
import { createMailer, type Mailer } from './email.js';
import type { ShopMailSettings } from './shop-mail-settings.js';
import { DEFAULT_RETRY_SCHEDULE } from './retry-schedule.js';
import { WebhookChannel } from './webhook-channel.js';

/**
 * Why the merchant would hear of no payment at all, or null when a webhook or an email tells them.
 * Buyer receipts do not count: they go to the buyer.
 */
export function merchantSilence(config: GatewayConfig): string | null {
  const n = config.notifications;
  if (n.webhookUrls.length > 0 || n.merchantEmail) return null;
  return 'the merchant is told of no payment: neither MERCHANT_WEBHOOK_URL nor MERCHANT_EMAIL is set (only GET /api/v1/events shows what happened)';
}

/** The delivery channels the configuration asks for, with the mailer the email channels send through. */
export interface NotificationChannels {
  channels: NotificationChannel[];
  /**
   * The outbox target of each channel, in order (`webhook:0`, `email:merchant`, `email:buyer`): the
   * store queues every event for each of them in the write that records it, so the store is built
   * with these.
   */
  targets: string[];
  /** The targets whose channel sends audit events (the webhooks): the only ones audit events are queued for. */
  auditTargets: string[];
  /** The targets that have something to send for a payment's event (each channel's wants): the only ones it is queued for. */
  eventTargets: EventTargets;
  mailer: Mailer;
}

export interface ChannelDeps {
  keystore: GatewayKeystore;
  logger: Logger;
  /** The buyer's checkout page of a payment, for the links in webhooks. */
  checkoutUrl: (paymentId: string) => string;
  /** The payment's page in the merchant console, linked from the merchant's emails. */
  consoleUrl?: (paymentId: string) => string;
  clock?: () => Date;
  httpsAgent?: unknown;
}

/** Builds the channels of the configuration: one per webhook URL, then the merchant's and the buyers' emails. */
export function notificationChannels(config: GatewayConfig, deps: ChannelDeps): NotificationChannels {
  const n = config.notifications;
  const mailer = createMailer({ ...(n.smtpUrl ? { smtpUrl: n.smtpUrl } : {}), from: n.mailFrom, ...(n.mailReplyTo ? { replyTo: n.mailReplyTo } : {}), outboxDir: n.mailOutboxDir, logger: deps.logger, ...(deps.clock ? { clock: deps.clock } : {}) });
  const channels: NotificationChannel[] = n.webhookUrls.map(
    (url, i) =>
      new WebhookChannel({
        target: `webhook:${i}`,
        url,
        keys: deps.keystore,
        secrets: n.webhookSecrets,
        timeoutMs: n.webhookTimeoutMs,
        checkoutUrl: deps.checkoutUrl,
        ...(deps.httpsAgent ? { httpsAgent: deps.httpsAgent } : {}),
        ...(deps.clock ? { clock: deps.clock } : {}),
      }),
  );
  const shop: ShopMailSettings = {
    merchantName: config.merchantName,
    timeZone: config.merchantTimeZone,
    ...(n.shopContactEmail ? { contactEmail: n.shopContactEmail } : {}),
    ...(deps.consoleUrl ? { consoleUrl: deps.consoleUrl } : {}),
  };
  if (n.merchantEmail) channels.push(new MerchantEmailChannel(mailer, n.merchantEmail, shop));
  if (n.buyerReceipts) channels.push(new BuyerReceiptChannel(mailer, shop));
  return {
    channels,
    targets: channels.map((c) => c.target),
    auditTargets: channels.filter((c) => c.deliverAudit !== undefined).map((c) => c.target),
    eventTargets: (event, payment) => channels.filter((c) => c.wants(event, payment)).map((c) => c.target),
    mailer,
  };
}

export interface Notifications {
  worker: DeliveryWorker;
  mailer: Mailer;
  close(): Promise<void>;
}

/**
 * The delivery worker of `channels` over the store's outbox. A store queueing events for other
 * targets than the channels' would owe notifications nobody sends, or send none a channel expects:
 * refused here, at start.
 */
export function createNotifications(config: GatewayConfig, deps: { channels: NotificationChannels; store: GatewayStore; logger: Logger; clock?: () => Date }): Notifications {
  const n = config.notifications;
  const { channels, targets, mailer } = deps.channels;
  const queued = deps.store.outbox.targets;
  if (queued.length !== targets.length || queued.some((target, i) => target !== targets[i])) {
    throw new Error(`the store queues events for [${queued.join(', ')}] but the notification channels are [${targets.join(', ')}]: build the store with the channels' targets`);
  }
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
