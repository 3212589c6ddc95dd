/**
 * Label values of the gateway's metrics. Every label is a bounded set of machine words: a label value
 * is a time series, so an id, a reference, an amount or anything a sender chose freely would make
 * the series grow without end (and put data where it has no place).
 */

/** Where a bank message came in: the buyer's browser back, or the bank's server-to-server call. */
export type BankMessageChannel = 'return' | 'notify';

/**
 * What became of a bank message: the state machine's verdict (applied, duplicate, anomaly, rejected,
 * no_effect), or why it was not applied: refused_<reason> (refused_replay for a replay), ignored (an
 * authentic message about nothing we track), unavailable (the store or the bank's keys), failed.
 */
export type BankMessageResult = 'applied' | 'duplicate' | 'anomaly' | 'rejected' | 'no_effect' | 'ignored' | 'unavailable' | 'failed' | `refused_${string}`;

/** The operations after the payment (src/connectors/bank-operations.ts), as metric labels. */
export type BankOperationName = 'capture' | 'void' | 'refund' | 'refund_status' | 'status';

/** An operation's answer (OperationAnswer's outcome), a status query's (answered, not_found), or error (it threw). */
export type BankOperationResult = 'succeeded' | 'pending' | 'refused' | 'unknown' | 'answered' | 'not_found' | 'error';

/** One try of a webhook: a 2xx, another HTTP answer, or no answer at all (network, TLS, timeout). */
export type WebhookDeliveryResult = 'delivered' | 'rejected' | 'unreachable';

const MACHINE_WORD = /^[a-z][a-z0-9_-]{0,47}$/i;
// A bound on distinct refusal reasons, whatever a connector reports: reasons are fixed words, but a
// few are built from a field's name, and a refused message is by definition not authenticated.
const MAX_REASONS = 64;

/** Turns refusal reasons into bounded label values. */
export class ReasonLabels {
  private readonly seen = new Set<string>();

  label(reason: string): string {
    // The field a card number was found in is whatever the sender named it.
    const word = reason.startsWith('card_number_in_') ? 'card_number' : reason;
    if (!MACHINE_WORD.test(word)) return 'other';
    if (this.seen.has(word)) return word;
    if (this.seen.size >= MAX_REASONS) return 'other';
    this.seen.add(word);
    return word;
  }
}

/** `2xx`, `4xx`…: the status class keeps the histogram's series few. */
export function statusClass(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'other';
}
