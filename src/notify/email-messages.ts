import type { Attempt, Locale, Payment } from '../core/payment.js';
import { findCurrency, formatAmount } from '../core/money.js';
import { intlLocale } from '../i18n/messages.js';
import { receiptText, type ReceiptTextKey } from './email-texts.js';
import { escapeHtml, oneLine } from './html-escape.js';

/** What an email says and to whom; the mailer adds the sender and the Message-ID. */
export interface EmailContent {
  to: string;
  subject: string;
  text: string;
  html: string;
}

const BRAND_NAMES: Record<string, string> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'American Express',
  cb: 'CB',
  diners: 'Diners Club',
  discover: 'Discover',
  jcb: 'JCB',
  maestro: 'Maestro',
};

function brandName(brand: string): string {
  return BRAND_NAMES[brand.toLowerCase()] ?? brand;
}

/** The attempt that took the money: the one named, else the first the bank authorised. */
function succeededAttempt(payment: Payment, attemptRef?: string): Attempt {
  const attempt = attemptRef
    ? payment.attempts.find((a) => a.ref === attemptRef && a.status === 'authorised')
    : payment.attempts.find((a) => a.status === 'authorised');
  if (!attempt) throw new Error(`payment ${payment.id} has no authorised attempt${attemptRef ? ` ${attemptRef}` : ''}`);
  return attempt;
}

function amountText(payment: Payment, locale: string): string {
  const currency = findCurrency(payment.currency);
  return currency ? formatAmount(payment.amount, currency, locale) : `${payment.amount} (minor units) ${payment.currency}`;
}

function dateText(iso: string, locale: string): string {
  return `${new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(iso))} UTC`;
}

/** Only brand and last four digits ever leave the bank; nothing else of a card is shown. */
function maskedLast4(last4: string): string {
  return /^\d{4}$/.test(last4) ? last4 : '????';
}

type Row = [label: string, value: string];

function textBody(lines: string[], rows: Row[], footer: string[]): string {
  return [...lines, '', ...rows.map(([label, value]) => `${label}: ${value}`), '', ...footer].join('\n') + '\n';
}

function htmlBody(lang: string, heading: string, lines: string[], rows: Row[], footer: string[]): string {
  const paragraphs = (items: string[]) => items.map((line) => `<p>${escapeHtml(line)}</p>`).join('\n');
  const table = rows
    .map(([label, value]) => `<tr><th style="text-align:left;padding:4px 12px 4px 0">${escapeHtml(label)}</th><td style="padding:4px 0">${escapeHtml(value)}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="${escapeHtml(lang)}">
<head><meta charset="utf-8"><title>${escapeHtml(heading)}</title></head>
<body style="font-family:sans-serif;color:#222">
<h1 style="font-size:20px">${escapeHtml(heading)}</h1>
${paragraphs(lines)}
<table>
${table}
</table>
${paragraphs(footer)}
</body>
</html>
`;
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
};

/** To the merchant, in English: an order was paid, with what support needs to find it at the bank. */
export function orderPaidEmail(input: { payment: Payment; merchantName: string; to: string; attemptRef?: string }): EmailContent {
  const { payment, merchantName } = input;
  const attempt = succeededAttempt(payment, input.attemptRef);
  const locale = 'en-GB';
  const amount = amountText(payment, locale);
  const rows: Row[] = [
    ['Order reference', payment.reference],
    ['Amount', amount],
    ['Paid at', dateText(attempt.updatedAt, locale)],
    ['Bank transaction id', attempt.bankTransactionId ?? '(not given by the bank)'],
    ['Authorisation code', attempt.authorisationCode ?? '(not given by the bank)'],
    ['Card', attempt.card ? `${brandName(attempt.card.brand)} ending in ${maskedLast4(attempt.card.last4)}` : '(not given by the bank)'],
  ];
  if (payment.description) rows.splice(1, 0, ['Description', payment.description]);
  const lines = [`Order ${payment.reference} was paid to ${merchantName}.`];
  if (payment.anomalies.length > 0) {
    lines.push(`Check this payment before you ship: ${payment.anomalies.map((a) => ANOMALY_TEXT[a]).join('; ')}.`);
  }
  const footer = ['Sent by the payment gateway. The card number never reaches the gateway: only the brand and the last four digits are shown.'];
  return {
    to: input.to,
    subject: oneLine(`Order ${payment.reference} paid: ${amount}`),
    text: textBody(lines, rows, footer),
    html: htmlBody('en', 'Order paid', lines, rows, footer),
  };
}

/** To the buyer, in English or French: a receipt for the payment. */
export function buyerReceiptEmail(input: { payment: Payment; merchantName: string; to: string; locale: Locale; attemptRef?: string }): EmailContent {
  const { payment, merchantName, locale } = input;
  const attempt = succeededAttempt(payment, input.attemptRef);
  const intl = intlLocale(locale);
  const t = (key: ReceiptTextKey, values: Record<string, string> = {}) => receiptText(locale, key, { merchant: merchantName, ...values });
  const rows: Row[] = [[t('order'), payment.reference]];
  if (payment.description) rows.push([t('description'), payment.description]);
  rows.push([t('amount'), amountText(payment, intl)], [t('date'), dateText(attempt.updatedAt, intl)]);
  if (attempt.card) rows.push([t('card'), t('cardValue', { brand: brandName(attempt.card.brand), last4: maskedLast4(attempt.card.last4) })]);
  if (attempt.bankTransactionId) rows.push([t('bankTransaction'), attempt.bankTransactionId]);
  if (attempt.authorisationCode) rows.push([t('authorisationCode'), attempt.authorisationCode]);
  const lines = [t('intro')];
  const footer = [t('footer')];
  return {
    to: input.to,
    subject: oneLine(t('subject')),
    text: textBody(lines, rows, footer),
    html: htmlBody(locale, t('heading'), lines, rows, footer),
  };
}
