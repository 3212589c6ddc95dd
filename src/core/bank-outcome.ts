import type { Authentication } from './authentication.js';
import type { CaptureMode, MaskedCard } from './payment.js';

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
  /** The 3-D Secure result, when the message carries one. */
  authentication?: Authentication;
  /**
   * A refusal the protocol cannot tell from the buyer's own cancellation (Monetico's `Annulation`):
   * the buyer is told the payment was not completed, never that the bank refused it.
   */
  refusedOrCancelled?: true;
  /**
   * An authorisation, when the bank's message says how it took the money: `manual`, reserved only;
   * `automatic`, taken in full (a bank that ignored a manual request). Absent: the message does not
   * say, and the payment's own capture mode stands.
   */
  capture?: CaptureMode;
  /** Manual capture, authorised: the bank's own limit to capture (ISO time), when its message gives one. */
  captureBefore?: string;
}
