/**
 * A bank message refused after it was verified and tied to a payment (a replay of a verified
 * message, an amount or currency that does not match, …), kept beside the payment for its console
 * timeline. Only the refusal's word: never the message, its token, card data or any secret. A message
 * that does not verify names no payment we can trust, so it is never kept (the logs and the
 * `hpp_bank_messages_total` metric count it).
 */
export interface RefusedBankMessage {
  at: string;
  connector: string;
  channel: 'notify' | 'return';
  /** The refusal's machine word (`replay`, `amount_mismatch` …). */
  reason: string;
}

/** How many refusals a payment keeps, the newest: a bank (or someone replaying its messages) cannot grow it further. */
export const REFUSED_MESSAGES_KEPT = 20;
