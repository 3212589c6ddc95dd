import type { Attempt, Locale, Payment } from '../core/payment.js';
import type { BankOutcome } from '../core/transition.js';
import type { BankOperations } from './bank-operations.js';

/** Where and how to send the buyer's browser: rendered by one auto-submitting form template. */
export interface RedirectForm {
  url: string;
  method: 'POST' | 'GET';
  fields: Record<string, string>;
}

export interface BuildRequestInput {
  payment: Payment;
  attempt: Attempt;
  locale: Locale;
  /** Absolute URLs of the gateway's callback endpoints for this connector. */
  returnUrl: string;
  notifyUrl: string;
}

/** What reached us from the bank, untouched: verification runs over these exact bytes. */
export interface IncomingBankMessage {
  method: string;
  /** Parsed form or query fields. */
  fields: Record<string, string>;
  rawBody: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

export interface VerifiedBankMessage {
  outcome: BankOutcome;
  /** The message's own single-use id (JWT `jti`), when the protocol has one. */
  messageId?: string;
  /**
   * The first instant at which this same message no longer verifies (its expiry plus whatever clock
   * tolerance the connector allows): the message id is remembered until then, so a replay is caught
   * for as long as it could be accepted.
   */
  messageExpiresAt?: Date;
}

/** What the bank's own message says of one refund of a transaction (its status, amount and id). */
export interface BankRefundReport {
  /** Our refund id, when the bank carried back the operation id the refund was sent with. */
  refundId?: string;
  /** The bank's id of the refund. */
  bankReference: string;
  status: 'pending' | 'succeeded' | 'failed';
  /** Minor units, in `currency`. */
  amount: number;
  currency: string;
  /** The bank's reason for a failure, a short machine word. */
  failureReason?: string;
}

/**
 * A verified notification about refunds rather than about an attempt (Stripe's refund webhooks):
 * the reports are applied to the refunds of the payment whose attempt it names, or that holds the
 * refund ids the bank carried back.
 */
export interface VerifiedRefundMessage {
  kind: 'refunds';
  /** The attempt whose transaction was refunded, when a report carries no refund id of ours. */
  attemptRef?: string;
  refunds: BankRefundReport[];
  /** As for VerifiedBankMessage: a single-use id, remembered until messageExpiresAt. */
  messageId?: string;
  messageExpiresAt?: Date;
}

export function isRefundMessage(message: VerifiedBankMessage | VerifiedRefundMessage): message is VerifiedRefundMessage {
  return 'kind' in message && message.kind === 'refunds';
}

export type AckKind = 'accepted' | 'rejected' | 'retry';

export interface Acknowledgement {
  status: number;
  contentType: string;
  body: string;
}

/**
 * One bank protocol. A connector only builds and reads messages; it never touches the store.
 * Amount, currency and attempt are checked against the stored attempt by shared code (the state
 * machine), never by a connector, and a connector's verify* must throw before returning any field
 * it has not authenticated.
 */
export interface BankConnector {
  readonly name: string;
  /** Origin the buyer's browser is sent to: the checkout page's CSP form-action allows it. */
  readonly bankOrigin: string;
  buildRequest(input: BuildRequestInput): Promise<RedirectForm>;
  verifyReturn(message: IncomingBankMessage): Promise<VerifiedBankMessage>;
  /** A notification tells of an attempt, or (for banks that notify them) of refunds. */
  verifyNotification(message: IncomingBankMessage): Promise<VerifiedBankMessage | VerifiedRefundMessage>;
  /** `reason` is a short machine word (never message content) for protocols that report one. */
  acknowledge(kind: AckKind, reason?: string): Acknowledgement;
  /**
   * Why this bank cannot charge exactly this amount (a currency's own rules at that bank), or null.
   * Checked when the payment is created, so a merchant learns it at once rather than the buyer at "Pay".
   */
  cannotCharge?(amount: number, currency: string): string | null;
  /** Capture, void, refund and status over the bank's own API (src/connectors/bank-operations.ts); absent: none. */
  readonly operations?: BankOperations;
}

/**
 * Thrown by a connector for an authentic message that says nothing about a payment (a webhook event
 * type we do not use): the bank gets its positive acknowledgement and nothing changes.
 */
export class IgnoredBankMessage extends Error {
  constructor(readonly reason: string) {
    super(`ignored bank message: ${reason}`);
    this.name = 'IgnoredBankMessage';
  }
}
