import type { AnsweredOperation } from '../core/events.js';
import type { AnomalyKind, Payment } from '../core/payment.js';
import type { Refund } from '../core/refund.js';
import { amountText, authorisedAttempt, dateText, htmlBody, textBody, type EmailContent, type Row } from './email-parts.js';
import { oneLine } from './html-escape.js';

/** What the bank's answer to an operation got wrong, as the anomaly event told it. */
export interface OperationAnomalyNews {
  operation: AnsweredOperation;
  anomaly: AnomalyKind;
  /** The refund whose answer it was, for a refund. */
  refund?: Refund;
  at: string;
}

const WHAT_DIFFERED: Partial<Record<AnomalyKind, string>> = {
  amount_mismatch: 'another amount',
  currency_mismatch: 'another currency',
};

/**
 * To the merchant, in English: the bank confirmed a capture or a refund with another amount or
 * currency than asked. The gateway did not apply that answer (the capture is not recorded, the refund
 * stays pending), so nothing else tells the merchant: someone has to compare with the bank's back
 * office.
 */
export function operationAnomalyEmail(input: { payment: Payment; news: OperationAnomalyNews; to: string }): EmailContent {
  const { payment, news } = input;
  const locale = 'en-GB';
  const differed = WHAT_DIFFERED[news.anomaly] ?? 'something other';
  const attempt = authorisedAttempt(payment);
  const rows: Row[] = [
    ['Order reference', payment.reference],
    ['Payment id', payment.id],
    ['Operation', news.refund ? `refund ${news.refund.id}` : 'capture'],
    ...(news.refund ? [['Amount asked', amountText(news.refund.amount, news.refund.currency, locale)] as Row] : []),
    ['Noticed at', dateText(news.at, locale)],
    ['Bank transaction id', attempt?.bankTransactionId ?? '(not given by the bank)'],
  ];
  const operation = news.refund ? 'refund' : 'capture';
  const lines = [
    `The bank confirmed the ${operation} for order ${payment.reference} with ${differed} than the gateway asked for.`,
    news.refund
      ? 'The gateway did not apply that answer: the refund stays pending until the bank confirms it as asked. Compare it with the bank\u2019s back office before you tell the buyer.'
      : 'The gateway did not record the capture. Compare it with the bank\u2019s back office before you ship.',
  ];
  const footer = ['Sent by the payment gateway.'];
  return {
    to: input.to,
    subject: oneLine(`Check order ${payment.reference}: the bank answered the ${operation} with ${differed}`),
    text: textBody(lines, rows, footer),
    html: htmlBody('en', 'Check this payment', lines, rows, footer),
  };
}
