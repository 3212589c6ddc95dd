import type { PaymentEvent } from '../core/events.js';
import type { Payment } from '../core/payment.js';
import type { RefusedBankMessage } from '../core/refused-bank-message.js';
import type { EventWithDeliveries } from '../service/event-service.js';

export type TimelineKind = 'event' | 'attempt' | 'bank_answer' | 'bank_refusal' | 'refund' | 'delivery';

/** One line of a payment's history on its console page. */
export interface TimelineEntry {
  at: string;
  kind: TimelineKind;
  /** The machine word of what happened (`payment.succeeded`, `refused`, `webhook:0` …). */
  what: string;
  /** Facts, as label → value, in the order shown. */
  facts: [string, string][];
}

function eventFacts(event: PaymentEvent): [string, string][] {
  const facts: [string, string][] = [['event', event.id], ['version', String(event.paymentVersion)]];
  if (event.attemptRef) facts.push(['attempt', event.attemptRef]);
  if (event.refundId) facts.push(['refund', event.refundId]);
  if (event.amount !== undefined) facts.push(['amount', String(event.amount)]);
  if (event.anomaly) facts.push(['anomaly', event.anomaly]);
  if (event.source) facts.push(['source', event.source]);
  return facts;
}

/**
 * What happened to a payment, newest first, from what the store keeps: its events, each attempt
 * (sent, and the bank's verified answer with its code), its refunds, and every webhook or email
 * delivery try with its time, status or error and duration, and the verified bank messages refused
 * for it (a replay, a mismatch), each with its reason. Bank messages that failed verification name no
 * payment we can trust and are not stored, so they are not here (the logs and the
 * `hpp_bank_messages_total` metric have them).
 */
export function paymentTimeline(payment: Payment, events: PaymentEvent[], deliveries: EventWithDeliveries[], refusals: RefusedBankMessage[] = []): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  for (const refusal of refusals) {
    entries.push({ at: refusal.at, kind: 'bank_refusal', what: `bank message refused: ${refusal.reason}`, facts: [['bank', refusal.connector], ['channel', refusal.channel]] });
  }
  for (const event of events) entries.push({ at: event.occurredAt, kind: 'event', what: event.type, facts: eventFacts(event) });
  for (const attempt of payment.attempts) {
    entries.push({ at: attempt.createdAt, kind: 'attempt', what: 'sent_to_bank', facts: [['attempt', attempt.ref], ['bank', attempt.connector]] });
    if (attempt.status !== 'pending') {
      const facts: [string, string][] = [['attempt', attempt.ref], ['answer', attempt.status]];
      if (attempt.responseCode) facts.push(['bank code', attempt.responseCode]);
      if (attempt.bankTransactionId) facts.push(['bank reference', attempt.bankTransactionId]);
      if (attempt.authorisationCode) facts.push(['authorisation', attempt.authorisationCode]);
      if (attempt.card) facts.push(['card', `${attempt.card.brand} •••• ${attempt.card.last4}`]);
      entries.push({ at: attempt.updatedAt, kind: 'bank_answer', what: attempt.status, facts });
    }
  }
  for (const refund of payment.refunds ?? []) {
    const facts: [string, string][] = [['refund', refund.id], ['amount', String(refund.amount)]];
    if (refund.bankReference) facts.push(['bank reference', refund.bankReference]);
    if (refund.failureReason) facts.push(['reason', refund.failureReason]);
    entries.push({ at: refund.updatedAt, kind: 'refund', what: refund.status, facts });
  }
  for (const { event, deliveries: tries } of deliveries) {
    for (const delivery of tries) {
      for (const attempt of delivery.attempts) {
        const facts: [string, string][] = [['event', event.id], ['duration', `${attempt.durationMs} ms`]];
        if (attempt.status !== undefined) facts.push(['status', String(attempt.status)]);
        if (attempt.error) facts.push(['error', attempt.error]);
        entries.push({ at: attempt.at, kind: 'delivery', what: delivery.target, facts });
      }
    }
  }
  // Newest first; at the same instant the later-recorded line first (stable sort on the reversed list).
  return entries.reverse().sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}
