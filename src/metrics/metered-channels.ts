import type { NotificationChannel } from '../notify/channel.js';
import type { NotificationChannels } from '../notify/notifications.js';
import type { WebhookDeliveryResult } from './labels.js';

/**
 * The notification channels, each webhook try counted in `hpp_webhook_deliveries_total`: delivered
 * (2xx), rejected (another HTTP answer) or unreachable (no answer). The targets stay as they are, so
 * the store is built for the same ones.
 */
export function meteredChannels(built: NotificationChannels, count: (result: WebhookDeliveryResult) => void): NotificationChannels {
  const channels = built.channels.map((channel): NotificationChannel => {
    if (!channel.target.startsWith('webhook:')) return channel;
    const counted = (outcome: Awaited<ReturnType<NotificationChannel['deliver']>>) => {
      count(outcome.delivered ? 'delivered' : outcome.record.status !== undefined ? 'rejected' : 'unreachable');
      return outcome;
    };
    const deliverAudit = channel.deliverAudit?.bind(channel);
    return {
      target: channel.target,
      wants: (event, payment) => channel.wants(event, payment),
      deliver: async (event, payment) => counted(await channel.deliver(event, payment)),
      ...(deliverAudit ? { deliverAudit: async (event) => counted(await deliverAudit(event)) } : {}),
    };
  });
  return { ...built, channels };
}
