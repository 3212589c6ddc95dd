import { auditEntryOf, type AuditEntry, type AuditRecord } from '../core/audit-entry.js';
import type { BankConnector, VerifiedBankMessage } from '../connectors/bank-connector.js';
import { GatewayError, IdempotencyMismatchError, InvalidBankMessageError, MismatchedBankMessageError, NotFoundError, OperationNotSupportedError, ReferenceConflictError, ReplayedBankMessageError, ValidationError } from '../core/errors.js';
import { newAttemptReference, newId } from '../core/ids.js';
import type { CaptureMode, Payment } from '../core/payment.js';
import { isDueForExpiry, isExpiryDue, transition, type Command, type Transition } from '../core/transition.js';
import type { EventSource, PaymentEvent } from '../core/events.js';
import type { RefusedBankMessage } from '../core/refused-bank-message.js';
import type { ListQuery, PaymentPage, PaymentStore, RememberedMessage } from '../store/payment-store.js';

/** What the merchant asks for: the payment's own fields, and optionally which connector takes it. */
export type NewPayment = Pick<Payment, 'amount' | 'currency' | 'reference' | 'description' | 'customer' | 'returnUrl' | 'metadata' | 'checkout' | 'cancelUrl' | 'notifyCheckoutAbandoned'> & {
  /** One of the configured connectors; absent, the default one. */
  connector?: string;
  /** Absent means `automatic` (the bank's yes takes the money); `manual` needs a connector that can capture. */
  capture?: CaptureMode;
};

/**
 * What the services ask of the configured connectors (the ConnectorRegistry): whether one can charge
 * an amount when a payment is created, and the operations its bank offers after the payment.
 */
export interface PaymentConnectors {
  /** Connector of payments that do not name one. */
  readonly defaultName: string;
  names(): string[];
  has(name: string): boolean;
  get(name: string): Pick<BankConnector, 'cannotCharge' | 'operations'>;
}

export interface PaymentServiceOptions {
  connectors: PaymentConnectors;
  ttlMs: number;
  /** How long a pending attempt is reused by a second "Pay" instead of starting another. */
  attemptReuseMs: number;
  clock?: () => Date;
  /** Called after every committed change (its events are in the outbox by then). */
  onChange?: () => void;
}

/** What one expiry batch did, and when the next payment falls due (null: none is open). */
export interface ExpiryBatch {
  claimed: number;
  moved: number;
  nextDueAt: Date | null;
}

const IDEMPOTENCY_TTL_SECONDS = 48 * 3600;
// Long enough for a batch to be committed; a claimant that dies hands its batch on after this.
const EXPIRY_CLAIM_LEASE_MS = 30_000;
// Optimistic concurrency: a conflicting writer means re-read and re-decide. Conflicts need a race on
// one payment, so a handful of rounds is plenty; more means something is wrong.
const MAX_COMMIT_ROUNDS = 16;

/** What PaymentService.apply may be told besides the command. */
export interface ApplyOptions {
  /** Stamped on the command's events: how it was learned. */
  source?: EventSource;
  /** The single-use bank message the command applies, kept by the commit that applies it. */
  message?: RememberedMessage;
  /** The caller found `message` unseen when it read `known` (in the same round trip). */
  messageUnseenWithKnown?: boolean;
  /**
   * The audit entry of the operation the command carries out, made from its result: appended by the
   * commit of the change (PaymentStore.commit's `audit`), so the change is never without its entry.
   * A command that changes nothing writes nothing, this entry included (`changed` is false).
   */
  audit?: (result: Transition) => AuditEntry | undefined;
}

/**
 * The application layer: reads a payment, asks the pure state machine what happens, and commits the
 * result with a compare-and-set, retrying on conflict. Every caller (API, checkout, bank callbacks,
 * expiry sweeper) goes through here, so one rule set governs every path.
 */
export class PaymentService {
  private readonly store: PaymentStore;
  private readonly options: PaymentServiceOptions;
  private readonly clock: () => Date;

  constructor(store: PaymentStore, options: PaymentServiceOptions) {
    this.store = store;
    this.options = options;
    this.clock = options.clock ?? (() => new Date());
  }

  now(): Date {
    return this.clock();
  }

  /**
   * A new payment, or the one first answered for the same Idempotency-Key and body. Its connector
   * must be configured, and able to charge the amount in the currency (a bank's own rule, e.g. its
   * minimum): refused with a ValidationError otherwise, before anything is stored. `audit` is the
   * create's audit record (the API key that asked): the store appends it, with the new payment's id,
   * in the write that creates the payment, so neither is ever without the other.
   */
  async create(input: NewPayment, idempotency?: { key: string; fingerprint: string }, audit?: Omit<AuditRecord, 'paymentId'>): Promise<{ payment: Payment; replayed: boolean }> {
    const connector = this.chargingConnector(input);
    if (input.capture === 'manual' && this.captureWindowOf(connector) === undefined) throw new OperationNotSupportedError('manual capture', connector);
    const now = this.clock();
    const at = now.toISOString();
    const payment: Payment = {
      id: newId('pay'),
      version: 1,
      status: 'created',
      amount: input.amount,
      currency: input.currency,
      reference: input.reference,
      description: input.description,
      customer: input.customer,
      returnUrl: input.returnUrl,
      metadata: input.metadata,
      connector,
      createdAt: at,
      updatedAt: at,
      expiresAt: new Date(now.getTime() + this.options.ttlMs).toISOString(),
      attempts: [],
      anomalies: [],
      // Written only for a manual payment, so an automatic one is stored and shown exactly as before.
      ...(input.capture === 'manual' ? { capture: 'manual' as const } : {}),
      ...(input.checkout !== undefined ? { checkout: input.checkout } : {}),
      ...(input.cancelUrl !== undefined ? { cancelUrl: input.cancelUrl } : {}),
      ...(input.notifyCheckoutAbandoned ? { notifyCheckoutAbandoned: true as const } : {}),
    };
    const event = { id: newId('evt'), type: 'payment.created' as const, paymentId: payment.id, paymentVersion: 1, occurredAt: at };
    const outcome = await this.store.createPayment({
      payment,
      events: [event],
      ...(idempotency ? { idempotency: { ...idempotency, ttlSeconds: IDEMPOTENCY_TTL_SECONDS } } : {}),
      ...(audit ? { audit: auditEntryOf({ ...audit, paymentId: payment.id }, now, newId('aud')) } : {}),
    });
    switch (outcome.kind) {
      case 'created':
        this.options.onChange?.();
        return { payment: outcome.payment, replayed: false };
      case 'replayed':
        return { payment: outcome.payment, replayed: true };
      case 'idempotency_mismatch':
        throw new IdempotencyMismatchError();
      case 'reference_conflict': {
        // The holder may be overdue for expiry: expire it, and the reference is free again.
        if (isExpiryDue(outcome.existing, now)) {
          await this.apply(outcome.existing.id, { type: 'expire' });
          return this.create(input, idempotency, audit);
        }
        throw new ReferenceConflictError(input.reference, outcome.existing.id, outcome.existing.status);
      }
    }
  }

  private chargingConnector({ connector: named, amount, currency }: NewPayment): string {
    const { connectors } = this.options;
    const name = named ?? connectors.defaultName;
    if (!connectors.has(name)) throw new ValidationError([{ field: 'connector', message: `connector must be one of: ${connectors.names().join(', ')}` }]);
    const refusal = connectors.get(name).cannotCharge?.(amount, currency);
    if (refusal) throw new ValidationError([{ field: 'amount', message: refusal }]);
    return name;
  }

  /**
   * How long the bank of this connector keeps an authorisation, when it offers manual capture; the
   * state machine needs it to set an authorized payment's captureBefore.
   */
  private captureWindowOf(name: string): number | undefined {
    if (!this.options.connectors.has(name)) return undefined;
    const capabilities = this.options.connectors.get(name).operations?.capabilities;
    const windowMs = capabilities?.captureWindowMs;
    return capabilities?.manualCapture && windowMs !== undefined && Number.isSafeInteger(windowMs) && windowMs > 0 ? windowMs : undefined;
  }

  /**
   * The payment as it stands, with a due expiry applied first so nobody reads a stale "pending" (or
   * an "authorized" whose bank has released the money).
   */
  async get(id: string): Promise<Payment> {
    const payment = await this.store.getPayment(id);
    if (!payment) throw new NotFoundError('No payment with this id.');
    if (isExpiryDue(payment, this.clock())) return (await this.apply(id, { type: 'expire' })).payment;
    return payment;
  }

  /** Payments newest first, with cursor paging (the merchant API's list). */
  list(query: ListQuery): Promise<PaymentPage> {
    return this.store.listPayments(query);
  }

  /** A payment's events, oldest first. */
  events(paymentId: string): Promise<PaymentEvent[]> {
    return this.store.listEvents(paymentId);
  }

  /**
   * Keeps, beside the payment, that a bank message tied to it was refused. Only for a refusal whose
   * payment the message's verified content named (MismatchedBankMessageError, ReplayedBankMessageError):
   * an unverified message must never write to the payment it claims.
   */
  recordRefusedMessage(paymentId: string, refusal: Omit<RefusedBankMessage, 'at'>): Promise<void> {
    return this.store.recordRefusedMessage(paymentId, { at: this.clock().toISOString(), ...refusal });
  }

  /** The verified bank messages refused for a payment, newest first (at most REFUSED_MESSAGES_KEPT). */
  refusedMessages(paymentId: string): Promise<RefusedBankMessage[]> {
    return this.store.refusedMessages(paymentId);
  }

  /**
   * `known`: the payment as the caller just read it (the Pay page has), which spares a read; a copy
   * gone stale meanwhile fails the commit's version check and is read again.
   */
  startAttempt(id: string, connector: string, known?: Payment): Promise<Transition> {
    return this.apply(id, { type: 'start_attempt', attemptRef: newAttemptReference(), connector, reuseWindowMs: this.options.attemptReuseMs }, known);
  }

  /** `audit`: the entry of the operation, appended by the cancellation's own write (see ApplyOptions). */
  cancel(id: string, audit?: (result: Transition) => AuditEntry | undefined): Promise<Transition> {
    return this.apply(id, { type: 'cancel' }, undefined, audit ? { audit } : {});
  }

  /**
   * The payment owning `attemptRef`, if that attempt was sent to `connector`; null otherwise. A message
   * one bank authenticated says nothing about a trip the buyer made to another bank, so for that
   * bank the attempt does not exist: every bank message finds its payment here, and nowhere else.
   */
  async findByBankAttempt(connector: string, attemptRef: string): Promise<Payment | null> {
    const payment = await this.store.getPaymentByAttempt(attemptRef);
    if (!payment) return null;
    const attempt = payment.attempts.find((a) => a.ref === attemptRef);
    return attempt?.connector === connector ? payment : null;
  }

  /**
   * A verified bank message, from the connector that verified it: find the attempt among those sent to
   * that connector (an authentic message of one bank is no evidence about a trip to another), refuse a
   * message id seen before (banks re-sign each retry, so a genuine retry has a new id), then apply the
   * outcome through the state machine, which acknowledges a genuine retry of an applied outcome without
   * any new effect. A mismatch with what was asked for is refused with the anomaly it raised.
   */
  async receiveBankMessage(connector: string, verified: VerifiedBankMessage, source?: EventSource): Promise<{ paymentId: string; transition: Transition }> {
    const message = this.messageOf(verified);
    // The attempt's payment and whether the message was seen are asked at once: on Redis they travel
    // in one round trip. apply asks the second again on any later round of its compare-and-set.
    const [payment, seen] = await Promise.all([
      this.findByBankAttempt(connector, verified.outcome.attemptRef),
      message ? this.store.knowsMessage(message.id) : false,
    ]);
    if (!payment) throw new InvalidBankMessageError('unknown_attempt');
    if (seen) throw new ReplayedBankMessageError(payment.id);
    // A manual payment's yes reserves the money for as long as its connector's bank keeps it.
    const captureWindowMs = this.captureWindowOf(connector);
    const command: Command = { type: 'bank_outcome', outcome: verified.outcome, ...(captureWindowMs !== undefined ? { captureWindowMs } : {}) };
    const transition = await this.apply(payment.id, command, payment, { ...(source ? { source } : {}), ...(message ? { message } : {}), messageUnseenWithKnown: true });
    if (transition.verdict === 'rejected') throw new MismatchedBankMessageError(transition.events.find((e) => e.anomaly)?.anomaly ?? 'mismatch', payment.id);
    return { paymentId: payment.id, transition };
  }

  /**
   * The single-use id a verified bank message carries, remembered for as long as the message could
   * verify (an hour when it says nothing). It is kept by the commit that applies the message, never
   * before: a write that fails leaves the bank's resend of the same bytes free to be applied.
   */
  messageOf(verified: { messageId?: string; messageExpiresAt?: Date }): RememberedMessage | undefined {
    if (!verified.messageId) return undefined;
    return { id: verified.messageId, expiresAt: verified.messageExpiresAt ?? new Date(this.clock().getTime() + 3600_000) };
  }

  /**
   * Claims up to `limit` overdue open payments and expires them, all of the batch at once (on Redis
   * the commits travel together, so a batch costs about two round trips, not two per payment).
   * Safe on many instances at once: the claim gives each instance other payments, and should two
   * ever meet on one, the compare-and-set lets one expiry through and the other finds it done.
   */
  async expireBatch(limit: number, leaseMs = EXPIRY_CLAIM_LEASE_MS): Promise<ExpiryBatch> {
    const claim = await this.store.claimDueForExpiry(this.clock(), limit, leaseMs);
    const results = await Promise.allSettled(claim.payments.map((payment) => this.apply(payment.id, { type: 'expire' }, payment)));
    // One payment that cannot be expired now (busy, store hiccup) must not hold up the rest of the batch;
    // its claim runs out and a later sweep takes it again.
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const moved = results.filter((r) => r.status === 'fulfilled' && r.value.changed).length;
    return { claimed: claim.payments.length, moved, nextDueAt: claim.nextDueAt };
  }

  /** Expires every overdue open payment, batch after batch; returns how many moved. */
  async expireDue(limit = 100): Promise<number> {
    let moved = 0;
    for (;;) {
      const batch = await this.expireBatch(limit);
      moved += batch.moved;
      if (batch.claimed < limit) return moved;
    }
  }

  /** The buyer left the checkout page for the shop: payment.checkout_abandoned, once, when the merchant asked. */
  async abandonCheckout(id: string, known?: Payment): Promise<Transition> {
    return this.apply(id, { type: 'abandon_checkout' }, known);
  }

  /**
   * Read → decide → compare-and-set, until the commit wins. `known` saves the first read when the
   * caller already holds the payment.
   */
  async apply(id: string, command: Command, known?: Payment, options: ApplyOptions = {}): Promise<Transition> {
    const { source, message, messageUnseenWithKnown = false, audit } = options;
    let payment: Payment | null = known ?? null;
    for (let round = 0; round < MAX_COMMIT_ROUNDS; round += 1) {
      payment ??= await this.store.getPayment(id);
      if (!payment) throw new NotFoundError('No payment with this id.');
      // Asked again each round: a copy of the message that lost the race to another finds it stored
      // here. The caller may have asked it already, in the same round trip as it read `known`.
      const askedWithKnown = round === 0 && known !== undefined && messageUnseenWithKnown;
      if (message && !askedWithKnown && (await this.store.knowsMessage(message.id))) throw new ReplayedBankMessageError(payment.id);
      const now = this.clock();
      // Commands from the merchant or buyer meet an overdue payment as expired; bank outcomes
      // are facts about money and are applied whatever the clock says.
      if (command.type !== 'bank_outcome' && command.type !== 'expire' && isDueForExpiry(payment, now)) {
        const expired = transition(payment, { type: 'expire' }, { now, newEventId: () => newId('evt') });
        if (!(await this.store.commit({ expectedVersion: payment.version, next: expired.payment, events: expired.events }))) {
          payment = null;
          continue;
        }
        this.options.onChange?.();
        payment = expired.payment;
      }
      const result = transition(payment, command, { now, newEventId: () => newId('evt'), ...(source ? { source } : {}) });
      if (!result.changed) {
        // Nothing to write, so nothing a failure could lose: the id is kept at once, first copy wins.
        if (message && !(await this.store.rememberMessage(message.id, message.expiresAt))) throw new ReplayedBankMessageError(payment.id);
        return result;
      }
      const entry = audit?.(result);
      if (await this.store.commit({ expectedVersion: payment.version, next: result.payment, events: result.events, ...(message ? { message } : {}), ...(entry ? { audit: entry } : {}) })) {
        this.options.onChange?.();
        return result;
      }
      payment = null;
    }
    throw new GatewayError('payment_busy', 'The payment is busy; please retry.');
  }
}
