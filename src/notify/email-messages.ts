import type { Locale, Payment } from '../core/payment.js';
import { intlLocale } from '../i18n/messages.js';
import { amountText, brandName, dateText, htmlBody, maskedLast4, succeededAttempt, textBody, type EmailContent, type Row } from './email-parts.js';
import { receiptText, type ReceiptTextKey } from './email-texts.js';
import { oneLine } from './html-escape.js';
import { authenticationText } from './authentication-text.js';

export type { EmailContent };

/**
 * The money taken by a capture of a manual payment: the email tells of this amount, taken at `at`,
 * rather than of the whole payment authorised earlier.
 */
export interface CapturedMoney {
  amount: number;
  at: string;
}

const ANOMALY_TEXT: Record<Payment['anomalies'][number], string> = {
  succeeded_after_expiry: 'the bank confirmed it after the payment link had expired',
  succeeded_after_cancellation: 'the bank confirmed it after the payment was cancelled',
  second_success: 'the bank took the money twice (two successful attempts)',
  regression_after_success: 'the bank later reported a refusal for the successful attempt',
  amount_mismatch: 'the bank reported an amount different from the one asked',
  currency_mismatch: 'the bank reported a currency different from the one asked',
  unknown_attempt: 'the bank reported an attempt the gateway did not start',
  refund_after_failure: 'the bank made a refund after reporting that it had failed',
  refunds_exceed_captured: 'a refund made at the bank, outside the gateway, gave back more than was left to refund',
  captured_by_bank: 'the bank took the whole amount at once although manual capture was asked: nothing is left to capture',
};

/**
 * To the merchant, in English: an order was paid, with what support needs to find it at the bank.
 * For a manual payment it is sent at each capture (`captured`), when the money is taken, not when the
 * bank only reserved it.
 */
export function orderPaidEmail(input: {
  payment: Payment;
  merchantName: string;
  to: string;
  attemptRef?: string;
  captured?: CapturedMoney;
  timeZone?: string;
  consoleUrl?: (paymentId: string) => string;
}): EmailContent {
  const { payment, merchantName, captured } = input;
  const attempt = succeededAttempt(payment, input.attemptRef);
  const locale = 'en-GB';
  const amount = amountText(captured?.amount ?? payment.amount, payment.currency, locale);
  const rows: Row[] = [
    ['Order reference', payment.reference],
    [captured ? 'Amount captured' : 'Amount', amount],
    ...(captured && captured.amount !== payment.amount ? [['Amount authorised', amountText(payment.amount, payment.currency, locale)] as Row] : []),
    ['Paid at', dateText(captured?.at ?? attempt.updatedAt, locale, input.timeZone)],
    ['Payment id', payment.id],
    ['Buyer’s email', payment.customer?.email ?? '(not given)'],
    ['Bank transaction id', attempt.bankTransactionId ?? '(not given by the bank)'],
    ['Authorisation code', attempt.authorisationCode ?? '(not given by the bank)'],
    ['Card', attempt.card ? `${brandName(attempt.card.brand)} ending in ${maskedLast4(attempt.card.last4)}` : '(not given by the bank)'],
    ...(attempt.authentication ? [['3-D Secure', authenticationText(attempt.authentication)] as Row] : []),
  ];
  if (payment.description) rows.splice(1, 0, ['Description', payment.description]);
  const lines = [`Order ${payment.reference} was paid to ${merchantName}.`];
  if (payment.anomalies.length > 0) {
    lines.push(`Check this payment before you ship: ${payment.anomalies.map((a) => ANOMALY_TEXT[a]).join('; ')}.`);
  }
  const footer = ['Sent by the payment gateway. The card number never reaches the gateway: only the brand and the last four digits are shown.'];
  const consoleLink = input.consoleUrl?.(payment.id);
  return {
    to: input.to,
    subject: oneLine(`Order ${payment.reference} paid: ${amount}`),
    text: textBody(lines, consoleLink ? [...rows, ['In the console', consoleLink]] : rows, footer),
    html: htmlBody('en', 'Order paid', lines, rows, footer, consoleLink ? { href: consoleLink, text: 'See this payment in the console' } : undefined),
  };
}

/** To the buyer, in English or French: a receipt for the payment (for a manual one, for each capture: the money taken). */
export function buyerReceiptEmail(input: {
  payment: Payment;
  merchantName: string;
  to: string;
  locale: Locale;
  attemptRef?: string;
  captured?: CapturedMoney;
  timeZone?: string;
  contactEmail?: string;
}): EmailContent {
  const { payment, merchantName, locale, captured } = input;
  const attempt = succeededAttempt(payment, input.attemptRef);
  const intl = intlLocale(locale);
  const t = (key: ReceiptTextKey, values: Record<string, string> = {}) => receiptText(locale, key, { merchant: merchantName, ...values });
  const rows: Row[] = [[t('order'), payment.reference]];
  if (payment.description) rows.push([t('description'), payment.description]);
  rows.push([t('amount'), amountText(captured?.amount ?? payment.amount, payment.currency, intl)], [t('date'), dateText(captured?.at ?? attempt.updatedAt, intl, input.timeZone)]);
  if (attempt.card) rows.push([t('card'), t('cardValue', { brand: brandName(attempt.card.brand), last4: maskedLast4(attempt.card.last4) })]);
  if (attempt.bankTransactionId) rows.push([t('bankTransaction'), attempt.bankTransactionId]);
  if (attempt.authorisationCode) rows.push([t('authorisationCode'), attempt.authorisationCode]);
  const lines = [t('intro')];
  const footer = [input.contactEmail ? t('footerContact', { contact: input.contactEmail }) : t('footer')];
  return {
    to: input.to,
    subject: oneLine(t('subject')),
    text: textBody(lines, rows, footer, locale),
    html: htmlBody(locale, t('heading'), lines, rows, footer),
  };
}
