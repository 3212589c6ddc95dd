import type { Payment } from '../core/payment.js';

export const CSV_COLUMNS = ['id', 'reference', 'status', 'amount', 'currency', 'connector', 'buyer_email', 'card_last4', 'bank_reference', 'created_at'] as const;

/**
 * One CSV cell (RFC 4180): quoted when it holds a quote, a comma or a line break, quotes doubled.
 * A cell a spreadsheet would read as a formula (starting with = + - @, or a tab or carriage return
 * that some strip first) gets a leading apostrophe: merchant references and emails are typed by
 * strangers.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvRow(payment: Payment): string {
  const last = payment.attempts[payment.attempts.length - 1];
  const cells = [
    payment.id,
    payment.reference,
    payment.status,
    String(payment.amount),
    payment.currency,
    payment.connector,
    payment.customer?.email ?? '',
    last?.card?.last4 ?? '',
    last?.bankTransactionId ?? last?.ref ?? '',
    payment.createdAt,
  ];
  return cells.map(csvCell).join(',');
}

export const CSV_HEADER = CSV_COLUMNS.join(',');
