import type { PaymentEvent } from '../core/events.js';
import type { Payment } from '../core/payment.js';
import type { NotificationChannel } from './channel.js';
import { buyerReceiptEmail, orderPaidEmail, type Mailer } from './email.js';

/** Merchants expect an email for each paid order. */
export class MerchantEmailChannel implements NotificationChannel {
  readonly target = 'email:merchant';
  constructor(
    private readonly mailer: Mailer,
    private readonly to: string,
    private readonly merchantName: string,
  ) {}

  wants(event: PaymentEvent): boolean {
    return event.type === 'payment.succeeded';
  }

  async deliver(event: PaymentEvent, payment: Payment) {
    const content = orderPaidEmail({ payment, merchantName: this.merchantName, to: this.to, ...(event.attemptRef ? { attemptRef: event.attemptRef } : {}) });
    const record = await this.mailer.send({ ...content, eventId: event.id, kind: 'order-paid' });
    return { record, delivered: record.error === undefined };
  }
}

/** Buyers who gave an email get a receipt in their language. */
export class BuyerReceiptChannel implements NotificationChannel {
  readonly target = 'email:buyer';
  constructor(
    private readonly mailer: Mailer,
    private readonly merchantName: string,
  ) {}

  wants(event: PaymentEvent, payment: Payment): boolean {
    return event.type === 'payment.succeeded' && Boolean(payment.customer?.email);
  }

  async deliver(event: PaymentEvent, payment: Payment) {
    const content = buyerReceiptEmail({
      payment,
      merchantName: this.merchantName,
      to: payment.customer!.email!,
      locale: payment.customer?.locale ?? 'en',
      ...(event.attemptRef ? { attemptRef: event.attemptRef } : {}),
    });
    const record = await this.mailer.send({ ...content, eventId: event.id, kind: 'buyer-receipt' });
    return { record, delivered: record.error === undefined };
  }
}
