import type { PaymentEvent } from '../core/events.js';
import type { Payment } from '../core/payment.js';
import type { NotificationChannel } from './channel.js';
import { auditWebhookBody, webhookBody } from './webhook-payload.js';
import { isDelivered, sendWebhook } from './webhook-sender.js';
import { signWebhookHmac, signWebhookJws, WEBHOOK_HMAC_HEADER, WEBHOOK_JWS_HEADER, type WebhookSigningKeys } from './webhook-signature.js';

export interface WebhookChannelOptions {
  target: string;
  url: string;
  keys: WebhookSigningKeys;
  /** MERCHANT_WEBHOOK_SECRET values; without any, only the JWS signature is sent. */
  secrets: string[];
  timeoutMs: number;
  checkoutUrl: (paymentId: string) => string;
  httpsAgent?: unknown;
  clock?: () => Date;
}

/** POSTs each event to one merchant endpoint, signed afresh on every try (JWS over the body, and HMAC). */
export class WebhookChannel implements NotificationChannel {
  readonly target: string;
  private readonly options: WebhookChannelOptions;

  constructor(options: WebhookChannelOptions) {
    this.options = options;
    this.target = options.target;
  }

  wants(): boolean {
    return true;
  }

  async deliver(event: PaymentEvent, payment: Payment) {
    return this.send(event, webhookBody(event, payment, this.options.checkoutUrl(payment.id)));
  }

  async deliverAudit(event: PaymentEvent) {
    return this.send(event, auditWebhookBody(event));
  }

  private async send(event: PaymentEvent, body: string) {
    const now = this.options.clock?.() ?? new Date();
    const headers: Record<string, string> = {
      [WEBHOOK_JWS_HEADER]: await signWebhookJws(body, this.options.keys, now),
      'Hpp-Event-Id': event.id,
      'Hpp-Event-Type': event.type,
    };
    if (this.options.secrets.length > 0) headers[WEBHOOK_HMAC_HEADER] = signWebhookHmac(body, this.options.secrets, Math.floor(now.getTime() / 1000));
    const record = await sendWebhook(this.options.url, body, headers, {
      timeoutMs: this.options.timeoutMs,
      ...(this.options.httpsAgent ? { httpsAgent: this.options.httpsAgent } : {}),
    });
    return { record, delivered: isDelivered(record) };
  }
}
