import type { ResponseStatus } from '../../src/protocols/native.js';
import type { Locale } from '../../src/index.js';
import type { BankContext } from '../bank-context.js';
import type { MerchantRegistration, RegisteredMerchant } from '../merchants.js';
import type { TryResult } from '../notification-delivery.js';
import type { BankTransaction } from '../transaction-book.js';

/**
 * One merchant-facing protocol of the sandbox bank (native JWS, Worldline Sips, …).
 *
 * A protocol only reads its payment requests and writes its responses. Everything between is shared:
 * the transaction book, the card page, the buyer's decision, notification retries and the page that
 * sends the buyer back.
 *
 * To add a protocol (e.g. `lyra`, `monetico`):
 *  1. write `protocols/<name>.ts` exporting a `SandboxProtocol` (native.ts and sips.ts are examples);
 *  2. add it to `SANDBOX_PROTOCOLS` in `protocols/index.ts`.
 * When merchants need credentials for it, declare them in that same file by augmenting
 * `MerchantCredentials` from `../merchants.js` (see sips.ts): they are then accepted by
 * `createSandboxBank({ merchants: [{ merchantId, <name>: {…} }] })`, checked at start by
 * `checkMerchant`, and read back as `merchant.registration.<name>`.
 */
export interface SandboxProtocol {
  /** Unique; recorded on each transaction and in the logs. */
  readonly name: string;
  /** Paths on the bank where merchants' payment requests arrive as form POSTs, e.g. `/sips/paymentInit`. */
  readonly requestPaths: readonly string[];
  /** Checks one merchant's credentials for this protocol when the bank starts; throws a readable Error. */
  checkMerchant?(merchant: MerchantRegistration): void;
  /**
   * Verifies the posted form (signature or seal before anything else) and reads it into a
   * protocol-neutral request. Throws PaymentRequestRefusal for anything the bank must not accept.
   */
  readRequest(form: Readonly<Record<string, unknown>>, ctx: BankContext): Promise<PaymentRequestDetails>;
  /** The server-to-server message about a decided transaction; called again for every retry. */
  notification(transaction: NotifiableTransaction, ctx: BankContext): Promise<OutgoingNotification>;
  /** The form that carries the outcome back to the merchant through the buyer's browser. */
  returnForm(transaction: DecidedBankTransaction, ctx: BankContext): Promise<ReturnForm>;
  /** How the merchant's answer to a notification reads. Default: 2xx delivered, 400 rejected, anything else retried. */
  readAcknowledgement?(status: number, body: string): TryResult;
}

/** What every protocol's payment request says, once verified. */
export interface PaymentRequestDetails {
  merchant: RegisteredMerchant;
  /** The merchant's transaction reference: unique per merchant and protocol. */
  ref: string;
  /** Integer minor units. */
  amount: number;
  /** ISO 4217 alphabetic. */
  currency: string;
  locale: Locale;
  description: string;
  returnUrl: string;
  /** Where the server-to-server notification goes; none is sent without it. */
  notifyUrl?: string;
  /**
   * What the protocol must remember to answer in kind (its merchant id, key version, seal algorithm…).
   * Never shown to the buyer, never logged, never in transactions().
   */
  protocolData?: Readonly<Record<string, string>>;
}

export type DecidedBankTransaction = BankTransaction & { status: ResponseStatus };

/** A decided transaction whose request named a notification URL. */
export type NotifiableTransaction = DecidedBankTransaction & { notifyUrl: string };

export interface OutgoingNotification {
  url: string;
  contentType: string;
  body: string;
}

/** Rendered by the shared return page as an auto-submitting form. */
export interface ReturnForm {
  url: string;
  method: 'POST' | 'GET';
  fields: Record<string, string>;
}
