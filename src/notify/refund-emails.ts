import type { Locale, Payment } from '../core/payment.js';
import { amountCapturedOf, amountRefundedOf } from '../core/payment-money.js';
import type { Refund } from '../core/refund.js';
import { intlLocale } from '../i18n/messages.js';
import { amountText, authorisedAttempt, brandName, dateText, htmlBody, maskedLast4, textBody, type EmailContent, type Row } from './email-parts.js';
import { oneLine } from './html-escape.js';
import { refundReceiptText, type RefundReceiptTextKey } from './refund-email-texts.js';

/** What happened to the refund, as the event told it: `at` is the event's time. */
export interface RefundNews {
  refund: Refund;
  outcome: 'succeeded' | 'failed';
  at: string;
}

/** The refund named by an event, in the payment as it now stands. */
export function findRefund(payment: Payment, refundId: string | undefined): Refund | undefined {
  return refundId === undefined ? undefined : payment.refunds?.find((r) => r.id === refundId);
}

/**
 * To the merchant, in English: a refund was made, or the bank refused it (its amount can be refunded
 * again). The amounts "so far" are the payment's as it stands when the email is written.
 */
export function merchantRefundEmail(input: { payment: Payment; news: RefundNews; merchantName: string; to: string; timeZone?: string }): EmailContent {
  const { payment, news, merchantName } = input;
  const { refund } = news;
  const locale = 'en-GB';
  const amount = amountText(refund.amount, refund.currency, locale);
  const attempt = authorisedAttempt(payment);
  const rows: Row[] = [
    ['Order reference', payment.reference],
    ['Refund id', refund.id],
    ['Amount', amount],
    [news.outcome === 'succeeded' ? 'Refunded at' : 'Refused at', dateText(news.at, locale, input.timeZone)],
    ['Reason given', refund.reason ?? '(none)'],
    ['Bank reference', refund.bankReference ?? '(not given by the bank)'],
  ];
  if (news.outcome === 'failed') rows.push(['Bank’s reason', refund.failureReason ?? '(not given by the bank)']);
  rows.push(
    ['Captured', amountText(amountCapturedOf(payment), payment.currency, locale)],
    ['Refunded so far', amountText(amountRefundedOf(payment), payment.currency, locale)],
  );
  if (attempt?.card) rows.push(['Card', `${brandName(attempt.card.brand)} ending in ${maskedLast4(attempt.card.last4)}`]);
  const lines =
    news.outcome === 'succeeded'
      ? [`${amount} of order ${payment.reference} was refunded to the buyer by ${merchantName}.`]
      : [`The bank refused the refund of ${amount} of order ${payment.reference}. No money was given back; the amount can be refunded again.`];
  const footer = ['Sent by the payment gateway. The card number never reaches the gateway: only the brand and the last four digits are shown.'];
  const subject = news.outcome === 'succeeded' ? `Order ${payment.reference} refunded: ${amount}` : `Refund of ${amount} for order ${payment.reference} failed`;
  return {
    to: input.to,
    subject: oneLine(subject),
    text: textBody(lines, rows, footer),
    html: htmlBody('en', news.outcome === 'succeeded' ? 'Refund made' : 'Refund refused', lines, rows, footer),
  };
}

/** To the buyer, in English or French: a receipt for a refund the bank made. The merchant's own reason is not shown. */
export function buyerRefundReceiptEmail(input: {
  payment: Payment;
  refund: Refund;
  at: string;
  merchantName: string;
  to: string;
  locale: Locale;
  timeZone?: string;
  contactEmail?: string;
}): EmailContent {
  const { payment, refund, merchantName, locale } = input;
  const intl = intlLocale(locale);
  const amount = amountText(refund.amount, refund.currency, intl);
  const t = (key: RefundReceiptTextKey, values: Record<string, string> = {}) => refundReceiptText(locale, key, { merchant: merchantName, amount, ...values });
  const attempt = authorisedAttempt(payment);
  const rows: Row[] = [[t('order'), payment.reference]];
  rows.push([t('amount'), amount], [t('date'), dateText(input.at, intl, input.timeZone)]);
  if (attempt?.card) rows.push([t('card'), t('cardValue', { brand: brandName(attempt.card.brand), last4: maskedLast4(attempt.card.last4) })]);
  rows.push([t('refund'), refund.id]);
  const lines = [t('intro'), t('delay')];
  const footer = [input.contactEmail ? t('footerContact', { contact: input.contactEmail }) : t('footer')];
  return {
    to: input.to,
    subject: oneLine(t('subject')),
    text: textBody(lines, rows, footer, locale),
    html: htmlBody(locale, t('heading'), lines, rows, footer),
  };
}
