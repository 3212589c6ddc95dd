import type { MaskedCard } from './payment.js';

/** What a verified bank message says about one attempt, whatever the bank's protocol. */
export interface BankOutcome {
  attemptRef: string;
  status: 'authorised' | 'refused' | 'cancelled' | 'error' | 'pending';
  amount: number;
  currency: string;
  bankTransactionId?: string;
  authorisationCode?: string;
  card?: MaskedCard;
  responseCode?: string;
}
