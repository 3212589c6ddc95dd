import { knownCardBrand } from '../i18n/card-brands.js';
import type { Attempt, Payment } from '../core/payment.js';
import { findCurrency, formatAmount } from '../core/money.js';
import { escapeHtml } from './html-escape.js';

/** What an email says and to whom; the mailer adds the sender and the Message-ID. */
export interface EmailContent {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export function brandName(brand: string): string {
  return knownCardBrand(brand) ?? brand;
}

/** Only brand and last four digits ever leave the bank; nothing else of a card is shown. */
export function maskedLast4(last4: string): string {
  return /^\d{4}$/.test(last4) ? last4 : '????';
}

/** The attempt that took the money: the one named, else the first the bank authorised. */
export function succeededAttempt(payment: Payment, attemptRef?: string): Attempt {
  const attempt = attemptRef
    ? payment.attempts.find((a) => a.ref === attemptRef && a.status === 'authorised')
    : payment.attempts.find((a) => a.status === 'authorised');
  if (!attempt) throw new Error(`payment ${payment.id} has no authorised attempt${attemptRef ? ` ${attemptRef}` : ''}`);
  return attempt;
}

/** The first attempt the bank authorised, or undefined (a refund email still goes without it). */
export function authorisedAttempt(payment: Payment): Attempt | undefined {
  return payment.attempts.find((a) => a.status === 'authorised');
}

export function amountText(amount: number, currencyCode: string, locale: string): string {
  const currency = findCurrency(currencyCode);
  return currency ? formatAmount(amount, currency, locale) : `${amount} (minor units) ${currencyCode}`;
}

/** A time for people, in the merchant's time zone (MERCHANT_TIME_ZONE), which is named after it. */
export function dateText(iso: string, locale: string, timeZone = 'UTC'): string {
  return `${new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone }).format(new Date(iso))} ${timeZone}`;
}

export type Row = [label: string, value: string];

/** French sets a non-breaking space before a colon ("Commande : …"); English does not. */
const LABEL_SEPARATOR: Record<string, string> = { en: ': ', fr: '\u00a0: ' };

export function textBody(lines: string[], rows: Row[], footer: string[], lang = 'en'): string {
  const separator = LABEL_SEPARATOR[lang] ?? ': ';
  return [...lines, '', ...rows.map(([label, value]) => `${label}${separator}${value}`), '', ...footer].join('\n') + '\n';
}

export function htmlBody(lang: string, heading: string, lines: string[], rows: Row[], footer: string[], link?: { href: string; text: string }): string {
  const paragraphs = (items: string[]) => items.map((line) => `<p>${escapeHtml(line)}</p>`).join('\n');
  const linkParagraph = link ? `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a></p>\n` : '';
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
${linkParagraph}${paragraphs(footer)}
</body>
</html>
`;
}
