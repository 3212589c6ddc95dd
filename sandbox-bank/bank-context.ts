import type nunjucks from 'nunjucks';
import type { BankKeystore } from './bank-keys.js';
import type { SandboxBankLogger } from './logger.js';
import type { RegisteredMerchant } from './merchants.js';
import type { NotificationDelivery } from './notification-delivery.js';
import type { SandboxProtocol } from './protocols/sandbox-protocol.js';
import type { SecurityHeaders } from './security-headers.js';
import type { BankTransaction, TransactionBook } from './transaction-book.js';

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
  now(): Date;
  /** The protocol a transaction's request came in: its responses go out in the same one. */
  protocolOf(transaction: BankTransaction): SandboxProtocol;
}
