import type { PaymentEvent } from '../core/events.js';
import type { Payment } from '../core/payment.js';
import type { NotificationChannel } from './channel.js';
import { buyerReceiptEmail, buyerRefundReceiptEmail, merchantRefundEmail, orderPaidEmail, type CapturedMoney, type EmailContent, type EmailKind, type Mailer } from './email.js';
import { operationAnomalyEmail } from './anomaly-emails.js';
import { findRefund } from './refund-emails.js';
import type { ShopMailSettings } from './shop-mail-settings.js';

/**
 * The money a payment.captured event took. Automatic payments tell of theirs with payment.succeeded
 * (the whole amount) and never have a capture, so no order is announced twice.
 */
function capturedBy(event: PaymentEvent): CapturedMoney | undefined {
  return event.type === 'payment.captured' && event.amount !== undefined ? { amount: event.amount, at: event.occurredAt } : undefined;
}

/** An event that says money was taken: an automatic payment's success, or a capture of a manual one. */
function takesMoney(event: PaymentEvent): boolean {
  return event.type === 'payment.succeeded' || capturedBy(event) !== undefined;
}

/** A refund event whose refund is in the payment; anything else has no refund to tell of. */
function hasRefund(event: PaymentEvent, payment: Payment): boolean {
  return findRefund(payment, event.refundId) !== undefined;
}

/** An anomaly raised by the bank's answer to a capture or a refund: nothing else tells the merchant of it. */
function isOperationAnomaly(event: PaymentEvent): boolean {
  return event.type === 'payment.anomaly' && event.operation !== undefined && event.anomaly !== undefined;
}

/**
 * Merchants expect an email for each paid order (each capture, for manual capture), for each refund's
 * outcome, and when the bank answered a capture or a refund with another amount or currency than asked.
 */
export class MerchantEmailChannel implements NotificationChannel {
  readonly target = 'email:merchant';
  constructor(
    private readonly mailer: Mailer,
    private readonly to: string,
    private readonly shop: ShopMailSettings,
  ) {}

  wants(event: PaymentEvent, payment: Payment): boolean {
    switch (event.type) {
      case 'payment.succeeded':
      case 'payment.captured':
        return takesMoney(event);
      case 'refund.succeeded':
      case 'refund.failed':
        return hasRefund(event, payment);
      case 'payment.anomaly':
        return isOperationAnomaly(event);
      default:
        return false;
    }
  }

  async deliver(event: PaymentEvent, payment: Payment) {
    const [content, kind] = this.#email(event, payment);
    const record = await this.mailer.send({ ...content, eventId: event.id, kind });
    return { record, delivered: record.error === undefined };
  }

  #email(event: PaymentEvent, payment: Payment): [EmailContent, EmailKind] {
    const refund = findRefund(payment, event.refundId);
    if (isOperationAnomaly(event)) {
      const news = { operation: event.operation!, anomaly: event.anomaly!, at: event.occurredAt, ...(refund ? { refund } : {}) };
      return [operationAnomalyEmail({ payment, news, to: this.to }), 'operation-anomaly'];
    }
    if (refund && (event.type === 'refund.succeeded' || event.type === 'refund.failed')) {
      const outcome = event.type === 'refund.succeeded' ? 'succeeded' : 'failed';
      const content = merchantRefundEmail({ payment, news: { refund, outcome, at: event.occurredAt }, merchantName: this.shop.merchantName, to: this.to, timeZone: this.shop.timeZone });
      return [content, outcome === 'succeeded' ? 'refund-made' : 'refund-refused'];
    }
    const captured = capturedBy(event);
    const content = orderPaidEmail({
      payment,
      merchantName: this.shop.merchantName,
      to: this.to,
      timeZone: this.shop.timeZone,
      ...(this.shop.consoleUrl ? { consoleUrl: this.shop.consoleUrl } : {}),
      ...(event.attemptRef ? { attemptRef: event.attemptRef } : {}),
      ...(captured ? { captured } : {}),
    });
    return [content, 'order-paid'];
  }
}

/** Buyers who gave an email get a receipt in their language when money is taken, and one for each refund made. */
export class BuyerReceiptChannel implements NotificationChannel {
  readonly target = 'email:buyer';
  constructor(
    private readonly mailer: Mailer,
    private readonly shop: ShopMailSettings,
  ) {}

  wants(event: PaymentEvent, payment: Payment): boolean {
    if (!payment.customer?.email) return false;
    switch (event.type) {
      case 'payment.succeeded':
      case 'payment.captured':
        return takesMoney(event);
      case 'refund.succeeded':
        return hasRefund(event, payment);
      default:
        return false;
    }
  }

  async deliver(event: PaymentEvent, payment: Payment) {
    const to = payment.customer!.email!;
    const locale = payment.customer?.locale ?? 'en';
    const refund = findRefund(payment, event.refundId);
    if (refund && event.type === 'refund.succeeded') {
      const content = buyerRefundReceiptEmail({ payment, refund, at: event.occurredAt, merchantName: this.shop.merchantName, to, locale, ...this.#buyerSettings() });
      const record = await this.mailer.send({ ...content, eventId: event.id, kind: 'buyer-refund-receipt' });
      return { record, delivered: record.error === undefined };
    }
    const captured = capturedBy(event);
    const content = buyerReceiptEmail({
      payment,
      merchantName: this.shop.merchantName,
      to,
      locale,
      ...this.#buyerSettings(),
      ...(event.attemptRef ? { attemptRef: event.attemptRef } : {}),
      ...(captured ? { captured } : {}),
    });
    const record = await this.mailer.send({ ...content, eventId: event.id, kind: 'buyer-receipt' });
    return { record, delivered: record.error === undefined };
  }

  #buyerSettings(): { timeZone: string; contactEmail?: string } {
    return { timeZone: this.shop.timeZone, ...(this.shop.contactEmail ? { contactEmail: this.shop.contactEmail } : {}) };
  }
}
