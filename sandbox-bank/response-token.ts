import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { RESPONSE_TYP, type ResponseAuthentication, type ResponseStatus, type ResponseTransaction } from '../src/protocols/native.js';
import type { BankKeystore } from './bank-keys.js';
import type { SandboxTransaction } from './transaction-book.js';

/** Every response token is valid for five minutes from its own `iat`. */
export const RESPONSE_LIFETIME_SECONDS = 300;

export type DecidedTransaction = SandboxTransaction & { status: ResponseStatus };

export function isDecided<T extends SandboxTransaction>(transaction: T): transaction is T & { status: ResponseStatus } {
  return transaction.status !== 'awaiting_card';
}

/** The `txn` claim: the same facts in every message about one transaction. */
export function responseTransaction(transaction: DecidedTransaction): ResponseTransaction {
  return {
    ref: transaction.ref,
    status: transaction.status,
    amount: transaction.amount,
    currency: transaction.currency,
    bank_txn_id: transaction.bankTxnId,
    ...(transaction.authCode !== undefined ? { auth_code: transaction.authCode } : {}),
    ...(transaction.card ? { card: { brand: transaction.card.brand, last4: transaction.card.last4 } } : {}),
    ...(transaction.reason !== undefined ? { reason: transaction.reason } : {}),
    // Only on a manual request: an automatic one is answered exactly as before the claim existed.
    ...(transaction.captureMode === 'manual' ? { capture: 'manual' as const } : {}),
    ...(transaction.captureBefore !== undefined ? { capture_before: Math.floor(Date.parse(transaction.captureBefore) / 1000) } : {}),
  };
}

/** The `authentication` claim of a transaction that went through 3-D Secure. */
export function responseAuthentication(transaction: DecidedTransaction): ResponseAuthentication | undefined {
  const a = transaction.authentication;
  if (!a) return undefined;
  return {
    status: a.transStatus,
    ...(a.transStatusReason !== undefined ? { trans_status_reason: a.transStatusReason } : {}),
    eci: a.eci,
    liability_shift: a.liabilityShift,
    version: a.version,
    ...(a.method !== 'none' ? { method: a.method } : {}),
    ...(a.abandoned ? { cancelled: true as const } : {}),
  };
}

/**
 * Signs one response message. Each call is a new message: its own `jti`, `iat` and `exp`, so the
 * gateway can refuse a replayed message while still accepting a retried notification.
 */
export async function signResponse(keys: BankKeystore, bankId: string, transaction: DecidedTransaction, now: Date): Promise<string> {
  const { kid, alg, key } = keys.signingKey;
  const iat = Math.floor(now.getTime() / 1000);
  const authentication = responseAuthentication(transaction);
  return new SignJWT({ txn: responseTransaction(transaction), ...(authentication ? { authentication } : {}) })
    .setProtectedHeader({ alg, kid, typ: RESPONSE_TYP })
    .setIssuer(bankId)
    .setAudience(transaction.merchantId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + RESPONSE_LIFETIME_SECONDS)
    .setJti(randomUUID())
    .sign(key);
}
