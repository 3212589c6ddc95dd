import type nunjucks from 'nunjucks';
import type { ResponseStatus } from '../../src/protocols/native.js';
import type { BankKeystore } from '../bank-keys.js';
import type { SandboxBankLogger } from '../logger.js';
import type { MerchantRegistration, RegisteredMerchant } from '../merchants.js';
import type { NotificationDelivery, OutgoingNotification, TryResult } from '../notification-delivery.js';
import type { OperationsDesk } from '../operations/operations-desk.js';
import type { SeenTokenIds } from '../operations/seen-token-ids.js';
import type { SecurityHeaders } from '../security-headers.js';
import type { BankTransaction, PaymentRequestDetails, TransactionBook } from '../transaction-book.js';

export type { OutgoingNotification, PaymentRequestDetails, TryResult };

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

export type DecidedBankTransaction = BankTransaction & { status: ResponseStatus };

/** A decided transaction whose request named a notification URL. */
export type NotifiableTransaction = DecidedBankTransaction & { notifyUrl: string };

/** Rendered by the shared return page as an auto-submitting form. */
export interface ReturnForm {
  url: string;
  method: 'POST' | 'GET';
  fields: Record<string, string>;
}

/** Everything the bank's route handlers share, built once by createSandboxBank. */
export interface BankContext {
  readonly bankId: string;
  /** Without a trailing slash. */
  readonly publicUrl: string;
  readonly merchants: ReadonlyMap<string, RegisteredMerchant>;
  readonly book: TransactionBook;
  readonly keys: BankKeystore;
  readonly delivery: NotificationDelivery;
  readonly logger: SandboxBankLogger;
  readonly views: nunjucks.Environment;
  readonly security: SecurityHeaders;
  /** The native operations API: captures, cancels, refunds and status queries. */
  readonly operations: OperationsDesk;
  readonly seenOperationTokens: SeenTokenIds;
  /** How long a `late` test operation waits before answering. */
  readonly operationLateAnswerMs: number;
  now(): Date;
  /** The protocol a transaction's request came in: its responses go out in the same one. */
  protocolOf(transaction: BankTransaction): SandboxProtocol;
}
