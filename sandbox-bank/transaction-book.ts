import { randomBytes, randomInt } from 'node:crypto';
import type { Locale } from '../src/index.js';
import type { CaptureMode, ResponseStatus } from '../src/protocols/native.js';
import type { CardBrand } from './cards.js';
import type { RegisteredMerchant } from './merchants.js';
import { CHALLENGE_TRIES, type BankAuthentication } from './three-d-secure.js';

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
  /** Absent means automatic: the money is taken when the card is authorised. */
  capture?: CaptureMode;
}

export type SandboxTransactionStatus = 'awaiting_card' | ResponseStatus;

/** Where the server-to-server notification of a decided transaction stands. */
export type NotificationState = 'not_sent' | 'pending' | 'delivered' | 'rejected' | 'abandoned';

export interface MaskedCard {
  brand: CardBrand;
  last4: string;
}

/** One capture of a manual-capture authorisation (the protocol allows one; the rest is released). */
export interface BankCapture {
  readonly bankOpId: string;
  readonly opId: string;
  readonly amount: number;
  readonly capturedAt: string;
}

/** The cancel (void) of a manual-capture authorisation not yet captured. */
export interface BankVoid {
  readonly bankOpId: string;
  readonly opId: string;
  readonly voidedAt: string;
}

export type BankRefundStatus = 'pending' | 'succeeded' | 'failed';

export interface BankRefund {
  readonly bankOpId: string;
  readonly opId: string;
  readonly amount: number;
  /** The merchant's text, as sent: shown escaped on the back-office page. */
  readonly reason?: string;
  readonly status: BankRefundStatus;
  readonly createdAt: string;
  readonly settledAt?: string;
  readonly failureReason?: string;
  /** A pending refund: when, and how, it settles (asked for by a test amount). */
  readonly settlement?: { readonly at: string; readonly outcome: 'succeeded' | 'failed' };
}

/**
 * What the bank keeps about one transaction. There is deliberately no field that could hold a card
 * number or security code: the only card facts the bank keeps are brand and last four digits.
 */
export interface SandboxTransaction {
  readonly bankTxnId: string;
  /** The protocol the merchant's request came in (`native`, `sips`, …): its responses go out in it too. */
  readonly protocol: string;
  readonly merchantId: string;
  readonly ref: string;
  readonly amount: number;
  readonly currency: string;
  readonly status: SandboxTransactionStatus;
  readonly card?: Readonly<MaskedCard>;
  /** The 3-D Secure result, for a card that took part in it. */
  readonly authentication?: Readonly<BankAuthentication>;
  readonly authCode?: string;
  readonly reason?: string;
  readonly createdAt: string;
  readonly decidedAt?: string;
  readonly notification: { readonly state: NotificationState; readonly attempts: number };
  readonly captureMode: CaptureMode;
  /** Manual capture, authorised: the capture must come before this instant. */
  readonly captureBefore?: string;
  readonly captures: readonly BankCapture[];
  readonly refunds: readonly BankRefund[];
  /** The cancel that released a manual-capture authorisation. */
  readonly voided?: BankVoid;
}

/** The full record: the snapshot plus what the bank needs to show the page and answer the merchant. */
export interface BankTransaction extends SandboxTransaction {
  readonly merchantName: string;
  readonly description: string;
  readonly locale: Locale;
  readonly returnUrl: string;
  readonly notifyUrl?: string;
  /** The protocol's own memory of the request (see PaymentRequestDetails.protocolData). */
  readonly protocolData: Readonly<Record<string, string>>;
  /** A card accepted but waiting for the buyer to pass the issuer's challenge. */
  readonly challenge?: PendingChallenge;
}

/** The challenge of a card that asks for one: the card stays masked, the code is the sandbox's own. */
export interface PendingChallenge {
  readonly card: MaskedCard;
  /** The one-time code the buyer must type; the sandbox shows it on the page, no real code is ever sent. */
  readonly code: string;
  readonly triesLeft: number;
}

/** The buyer's (or the bank's) verdict on a transaction awaiting its card. */
export type Decision =
  | { status: 'authorised'; card: MaskedCard; authentication?: BankAuthentication }
  | { status: 'refused'; card: MaskedCard; reason: string; authentication?: BankAuthentication }
  | { status: 'cancelled' }
  | { status: 'error'; reason: string };

export type OpenResult =
  | { kind: 'created'; transaction: BankTransaction }
  /** The same request again (double click, reopened tab): the buyer goes back to the same card page. */
  | { kind: 'reopened'; transaction: BankTransaction }
  | { kind: 'reused' }
  | { kind: 'in_use' };

/** 128 random bits: the id is in the card page URL, so knowing it must be the only way in. */
function newBankTxnId(): string {
  return `sbx${randomBytes(16).toString('hex')}`;
}

function newChallengeCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

function newAuthCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** 7 days, the usual limit of a card authorisation. */
export const DEFAULT_CAPTURE_WINDOW_SECONDS = 7 * 24 * 3600;

/**
 * The sandbox bank's transactions, in memory. Every method is synchronous, so a check and the change
 * it guards cannot interleave with another request: a double-clicked Pay decides exactly once, and
 * twenty refunds at once are checked against what is left one after the other.
 */
export class TransactionBook {
  private readonly byId = new Map<string, BankTransaction>();
  private readonly byMerchantRef = new Map<string, string>();
  private readonly captureWindowSeconds: number;

  constructor(options: { captureWindowSeconds?: number } = {}) {
    this.captureWindowSeconds = options.captureWindowSeconds ?? DEFAULT_CAPTURE_WINDOW_SECONDS;
  }

  /** Opens the transaction of a verified request; a reference is unique per merchant and protocol. */
  open(protocol: string, request: PaymentRequestDetails, now: Date): OpenResult {
    const key = `${protocol}\n${request.merchant.merchantId}\n${request.ref}`;
    const existingId = this.byMerchantRef.get(key);
    const existing = existingId === undefined ? undefined : this.byId.get(existingId);
    if (existing) {
      if (existing.status !== 'awaiting_card') return { kind: 'reused' };
      const same = existing.amount === request.amount && existing.currency === request.currency;
      return same ? { kind: 'reopened', transaction: existing } : { kind: 'in_use' };
    }
    const transaction: BankTransaction = {
      bankTxnId: newBankTxnId(),
      protocol,
      merchantId: request.merchant.merchantId,
      merchantName: request.merchant.displayName,
      ref: request.ref,
      amount: request.amount,
      currency: request.currency,
      description: request.description,
      locale: request.locale,
      returnUrl: request.returnUrl,
      ...(request.notifyUrl !== undefined ? { notifyUrl: request.notifyUrl } : {}),
      protocolData: Object.freeze({ ...request.protocolData }),
      status: 'awaiting_card',
      createdAt: now.toISOString(),
      notification: { state: 'not_sent', attempts: 0 },
      captureMode: request.capture ?? 'automatic',
      captures: [],
      refunds: [],
    };
    this.byId.set(transaction.bankTxnId, transaction);
    this.byMerchantRef.set(key, transaction.bankTxnId);
    return { kind: 'created', transaction };
  }

  get(bankTxnId: string): BankTransaction | undefined {
    return this.byId.get(bankTxnId);
  }

  /** The transaction of a merchant's reference in one protocol. */
  findByRef(protocol: string, merchantId: string, ref: string): BankTransaction | undefined {
    const id = this.byMerchantRef.get(`${protocol}\n${merchantId}\n${ref}`);
    return id === undefined ? undefined : this.byId.get(id);
  }

  /** Replaces a transaction with its next state (the money rules in transaction-money.ts decide it). */
  replace(next: BankTransaction): void {
    if (!this.byId.has(next.bankTxnId)) throw new Error(`transaction ${next.bankTxnId} is unknown`);
    this.byId.set(next.bankTxnId, next);
  }

  /** Every transaction, oldest first, as kept (for the back-office page). */
  all(): readonly BankTransaction[] {
    return [...this.byId.values()];
  }

  /** Records the verdict, or returns undefined when the transaction is unknown or already decided. */
  decide(bankTxnId: string, decision: Decision, now: Date): BankTransaction | undefined {
    const current = this.byId.get(bankTxnId);
    if (!current || current.status !== 'awaiting_card') return undefined;
    const { challenge: _challenge, ...unchallenged } = current;
    const decided: BankTransaction = {
      ...unchallenged,
      status: decision.status,
      decidedAt: now.toISOString(),
      ...('card' in decision ? { card: { brand: decision.card.brand, last4: decision.card.last4 } } : {}),
      ...(decision.status === 'authorised' ? { authCode: newAuthCode() } : {}),
      ...('reason' in decision ? { reason: decision.reason } : {}),
      ...('authentication' in decision && decision.authentication ? { authentication: { ...decision.authentication } } : {}),
      ...(decision.status === 'authorised' && current.captureMode === 'manual'
        ? { captureBefore: new Date(now.getTime() + this.captureWindowSeconds * 1000).toISOString() }
        : {}),
    };
    this.byId.set(bankTxnId, decided);
    return decided;
  }

  /** Holds an accepted card for its challenge; undefined when the transaction is unknown, decided or already challenged. */
  startChallenge(bankTxnId: string, card: MaskedCard): BankTransaction | undefined {
    const current = this.byId.get(bankTxnId);
    if (!current || current.status !== 'awaiting_card' || current.challenge) return undefined;
    const challenged: BankTransaction = { ...current, challenge: { card: { brand: card.brand, last4: card.last4 }, code: newChallengeCode(), triesLeft: CHALLENGE_TRIES } };
    this.byId.set(bankTxnId, challenged);
    return challenged;
  }

  /** Counts one wrong code; returns the tries left (0: the challenge is failed), or undefined without a challenge. */
  recordWrongCode(bankTxnId: string): number | undefined {
    const current = this.byId.get(bankTxnId);
    if (!current || current.status !== 'awaiting_card' || !current.challenge) return undefined;
    const triesLeft = Math.max(0, current.challenge.triesLeft - 1);
    this.byId.set(bankTxnId, { ...current, challenge: { ...current.challenge, triesLeft } });
    return triesLeft;
  }

  recordNotification(bankTxnId: string, state: NotificationState, attempts: number): void {
    const current = this.byId.get(bankTxnId);
    if (current) this.byId.set(bankTxnId, { ...current, notification: { state, attempts } });
  }

  /** Copies, oldest first, with only the facts listed in SandboxTransaction. */
  snapshot(): readonly SandboxTransaction[] {
    return [...this.byId.values()].map((t) =>
      Object.freeze({
        bankTxnId: t.bankTxnId,
        protocol: t.protocol,
        merchantId: t.merchantId,
        ref: t.ref,
        amount: t.amount,
        currency: t.currency,
        status: t.status,
        ...(t.card ? { card: Object.freeze({ ...t.card }) } : {}),
        ...(t.authentication ? { authentication: Object.freeze({ ...t.authentication }) } : {}),
        ...(t.authCode !== undefined ? { authCode: t.authCode } : {}),
        ...(t.reason !== undefined ? { reason: t.reason } : {}),
        createdAt: t.createdAt,
        ...(t.decidedAt !== undefined ? { decidedAt: t.decidedAt } : {}),
        notification: Object.freeze({ ...t.notification }),
        captureMode: t.captureMode,
        ...(t.captureBefore !== undefined ? { captureBefore: t.captureBefore } : {}),
        captures: Object.freeze(t.captures.map((c) => Object.freeze({ ...c }))),
        refunds: Object.freeze(
          t.refunds.map((r) => {
            const { settlement: _settlement, ...shown } = r;
            return Object.freeze(shown);
          }),
        ),
        ...(t.voided !== undefined ? { voided: Object.freeze({ ...t.voided }) } : {}),
      }),
    );
  }
}
