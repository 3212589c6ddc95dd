import type { BankRefundReport, VerifiedRefundMessage } from '../connectors/bank-connector.js';
import type { BankOperations, OperationAnswer, OperationTarget } from '../connectors/bank-operations.js';
import { assertNever } from '../core/assert-never.js';
import { maskStandaloneCardNumbers } from '../core/card-data.js';
import type { CaptureCommand, RefundOutcomeCommand } from '../core/command.js';
import type { EventSource } from '../core/events.js';
import { BankRefusedError, BankUnavailableError, GatewayError, IllegalTransitionError, InvalidBankMessageError, NotFoundError, OperationNotSupportedError, ReplayedBankMessageError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { amountCapturableOf } from '../core/payment-money.js';
import { currentAttempt, type Attempt, type Payment } from '../core/payment.js';
import type { Refund } from '../core/refund.js';
import { transition, type Command, type Transition } from '../core/transition.js';
import type { AuditActor, AuditEntry } from '../core/audit-entry.js';
import type { Logger } from '../logger.js';
import type { PaymentStore } from '../store/payment-store.js';
import type { AuditTrail } from './audit-trail.js';
import { OperationIdempotency, type Begun, type IdempotencyRequest } from './operation-idempotency.js';
import type { PaymentConnectors, PaymentService } from './payment-service.js';

export type { IdempotencyRequest };

export interface PaymentOperationsOptions {
  connectors: PaymentConnectors;
  clock?: () => Date;
  logger?: Pick<Logger, 'warn'>;
  /** Where an operation asked by someone (OperationAsker) is recorded; without it, nothing is. */
  audit?: Pick<AuditTrail, 'entryOf' | 'append'>;
}

/** Who asked for an operation, and the audit log's name for it (`api.payment.capture`, `console.void` …). */
export interface OperationAsker {
  actor: AuditActor;
  action: string;
}

/** What the events of an answer to sync carry: the gateway asked the bank. */
const STATUS_QUERY = 'status_query' satisfies EventSource;

/** The operations a merchant asks of a payment's bank, as named in a refusal. */
type OperationName = 'capture' | 'void' | 'refund';

const OPERATION_WORDS: Record<OperationName | 'status', string> = {
  capture: 'capture',
  void: 'void (cancelling an authorisation)',
  refund: 'refunds',
  status: 'status queries (sync)',
};

/**
 * Money after the payment: capture, void, refund and sync, each through the state machine.
 *
 * Each one asks the pure command first, so a request the payment cannot give is refused without a
 * bank call; then calls the connector's operation; then applies the bank's answer as a command,
 * committed like every change (compare-and-set on the payment's version). A refund is reserved
 * before the bank is called (request_refund, committed), so refunds asked at the same moment on any
 * number of instances never hold more than was captured; its id (`re_…`) is the operation id the bank
 * dedupes on, so retrying it never refunds twice. An answer that never came leaves a refund pending,
 * and a capture or void unanswered (retry with the same Idempotency-Key: the same operation id).
 *
 * An operation asked by someone (`asker`) is recorded in the audit log by the write that carries it
 * out: the commit of the capture, the void, the cancellation or the refund's outcome appends the
 * entry with its event (PaymentService.apply's `audit`), so an operation that changed a payment is
 * never without its entry, whatever fails after. One that changed nothing (already done, a refund the
 * bank has not answered yet, a sync) has its entry appended on its own before it is answered. A
 * replay under an Idempotency-Key did nothing new and records nothing.
 */
export class PaymentOperations {
  private readonly idempotency: OperationIdempotency;
  private readonly clock: () => Date;

  constructor(
    private readonly payments: PaymentService,
    private readonly store: Pick<PaymentStore, 'getPayment' | 'getPaymentByRefund' | 'rememberOnce' | 'replaceRemembered' | 'rememberMessage' | 'knowsMessage'>,
    private readonly options: PaymentOperationsOptions,
  ) {
    this.idempotency = new OperationIdempotency(store);
    this.clock = options.clock ?? (() => new Date());
  }

  /** Captures `amount` (all that is capturable when absent) of an authorized payment. */
  async capture(id: string, request: { amount?: number }, idempotency?: IdempotencyRequest, asker?: OperationAsker): Promise<{ payment: Payment; replayed: boolean }> {
    const begun = await this.idempotency.begin<Payment>(idempotency, () => newId('op'));
    if (begun.replay) return { payment: begun.replay, replayed: true };
    const payment = await this.read(id);
    const operations = this.offering(payment, 'capture');
    const command: CaptureCommand = {
      type: 'capture',
      multipleCaptures: operations.capabilities.multipleCaptures,
      ...(request.amount !== undefined ? { amount: request.amount } : {}),
    };
    this.refuseEarly(payment, command);
    const amount = request.amount ?? amountCapturableOf(payment);
    const answer = await this.ask(payment, 'capture', () => operations.capture!(this.target(payment, begun.operationId), amount));
    const captured = await this.settle(payment, 'capture', answer, (bank) => ({ ...command, amount, bankAnswer: bank, operationId: begun.operationId }), this.entryOf(asker, id, { amount }));
    return this.answered(idempotency, begun, captured);
  }

  /** Releases the authorisation of an authorized payment at its bank: cancelled, reason voided. */
  async void(id: string, idempotency?: IdempotencyRequest, asker?: OperationAsker): Promise<{ payment: Payment; replayed: boolean }> {
    const begun = await this.idempotency.begin<Payment>(idempotency, () => newId('op'));
    if (begun.replay) return { payment: begun.replay, replayed: true };
    return this.voidRead(await this.read(id), idempotency, begun, asker);
  }

  /**
   * POST /cancel: an authorized payment is voided at its bank; an unpaid one is cancelled as before
   * (nothing is asked of the bank: no money is held).
   */
  async cancel(id: string, idempotency?: IdempotencyRequest, asker?: OperationAsker): Promise<{ payment: Payment; replayed: boolean }> {
    const begun = await this.idempotency.begin<Payment>(idempotency, () => newId('op'));
    if (begun.replay) return { payment: begun.replay, replayed: true };
    const payment = await this.read(id);
    if (payment.status === 'authorized') return this.voidRead(payment, idempotency, begun, asker);
    const entry = this.entryOf(asker, id, {});
    const cancelled = await this.payments.cancel(id, entry && (() => entry));
    if (!cancelled.changed) await this.appendAlone(entry);
    return this.answered(idempotency, begun, cancelled.payment);
  }

  private async voidRead(payment: Payment, idempotency: IdempotencyRequest | undefined, begun: Begun<Payment>, asker: OperationAsker | undefined): Promise<{ payment: Payment; replayed: boolean }> {
    const operations = this.offering(payment, 'void');
    const entry = this.entryOf(asker, payment.id, {});
    // Already voided: the duplicate verdict, and no second call to the bank.
    if (!this.refuseEarly(payment, { type: 'void' })) {
      await this.appendAlone(entry);
      return this.answered(idempotency, begun, payment);
    }
    const answer = await this.ask(payment, 'void', () => operations.void!(this.target(payment, begun.operationId)));
    const voided = await this.settle(payment, 'void', answer, () => ({ type: 'void' }), entry);
    return this.answered(idempotency, begun, voided);
  }

  /**
   * Refunds `amount` (all that is still refundable when absent). The refund is reserved (pending)
   * before the bank is called, then takes the bank's answer: succeeded, failed with the bank's
   * reason, or still pending when the answer did not come (a sync or a retry settles it).
   */
  async refund(id: string, request: { amount?: number; reason?: string }, idempotency?: IdempotencyRequest, asker?: OperationAsker): Promise<{ refund: Refund; replayed: boolean }> {
    const begun = await this.idempotency.begin<Refund>(idempotency, () => newId('re'));
    if (begun.replay) return { refund: begun.replay, replayed: true };
    const payment = await this.read(id);
    const operations = this.offering(payment, 'refund');
    const refundId = begun.operationId;
    const reserved = await this.payments.apply(id, {
      type: 'request_refund',
      refundId,
      ...(request.amount !== undefined ? { amount: request.amount } : {}),
      ...(request.reason !== undefined ? { reason: request.reason } : {}),
    }, payment);
    const refund = reserved.refund;
    if (!refund) throw new Error('request_refund returned no refund');
    let settled = refund;
    // The entry names the refund as its outcome leaves it: written by the outcome's commit.
    const entryOf = (r: Refund) => this.entryOf(asker, id, { refund: r.id, amount: r.amount, status: r.status, ...(r.reason ? { reason: r.reason } : {}) });
    let audited = false;
    if (refund.status === 'pending') {
      // A retry of a refund already sent asks about it rather than sending it again, where the bank can tell.
      const resend = reserved.verdict === 'duplicate' && operations.refundStatus;
      const target = this.target(reserved.payment, refundId);
      const answer = resend
        ? await this.ask(reserved.payment, 'refund', () => operations.refundStatus!(target))
        : await this.ask(reserved.payment, 'refund', () => operations.refund!(target, refund.amount, refund.reason));
      const outcome = await this.payments.apply(id, refundOutcome(refundId, answer), reserved.payment, asker ? { audit: (result) => entryOf(result.refund ?? refund) } : {});
      settled = outcome.refund ?? refund;
      audited = outcome.changed;
    }
    if (!audited) await this.appendAlone(entryOf(settled));
    // A pending refund is not the last word: a retry under the key asks the bank about it again.
    if (settled.status !== 'pending') await this.idempotency.finish(idempotency, begun, settled);
    return { refund: settled, replayed: false };
  }

  /**
   * Asks the bank now (force sync): the transaction's status, applied as a bank outcome through the
   * same path as a notification (the attempt of this connector, the state machine), and the status of
   * each pending refund.
   */
  async sync(id: string, idempotency?: IdempotencyRequest, asker?: OperationAsker): Promise<{ payment: Payment; replayed: boolean }> {
    const begun = await this.idempotency.begin<Payment>(idempotency, () => newId('op'));
    if (begun.replay) return { payment: begun.replay, replayed: true };
    const payment = await this.read(id);
    if (!this.canAskAbout(payment)) throw new OperationNotSupportedError(OPERATION_WORDS.status, payment.connector);
    await this.askAbout(payment);
    // A sync asks; what it learns is the bank's doing, written as the bank's: its entry stands alone.
    await this.appendAlone(this.entryOf(asker, id, {}));
    return this.answered(idempotency, begun, await this.payments.get(id));
  }

  /**
   * Whether sync can ask the payment's bank anything: the transaction's status, or a pending refund's
   * (the reconciliation job leaves a payment it cannot ask about to expiry).
   */
  canAskAbout(payment: Payment): boolean {
    const operations = this.options.connectors.get(payment.connector).operations;
    if (!operations) return false;
    const canQuery = operations.capabilities.status === true && operations.status !== undefined;
    const canAskRefunds = operations.refundStatus !== undefined && (payment.refunds ?? []).some((r) => r.status === 'pending');
    return canQuery || canAskRefunds;
  }

  /**
   * The reconciliation job's ask: sync without an Idempotency-Key, of a payment it holds. Throws
   * BankUnavailableError when the bank did not answer the status query (asked again later).
   */
  async reconcile(payment: Payment): Promise<Payment> {
    if (!this.canAskAbout(payment)) throw new OperationNotSupportedError(OPERATION_WORDS.status, payment.connector);
    await this.askAbout(payment);
    // As stored: reading through PaymentService.get would record an expiry on the way, which is the sweeper's to do.
    return this.read(payment.id);
  }

  /**
   * The status query and each pending refund's, every answer applied as a bank outcome through the
   * same path as a notification (the attempt of this connector, the state machine), its events
   * marked as learned by a status query. The compare-and-set on the payment's version means a late
   * notification and a status answer about one outcome cannot both apply: the second is a duplicate.
   */
  private async askAbout(payment: Payment): Promise<void> {
    const operations = this.options.connectors.get(payment.connector).operations;
    if (!operations) return;
    const canQuery = operations.capabilities.status === true && operations.status !== undefined;
    const pendingRefunds = (payment.refunds ?? []).filter((r) => r.status === 'pending');
    const canAskRefunds = operations.refundStatus !== undefined && pendingRefunds.length > 0;

    const attempt = this.bankAttempt(payment) ?? currentAttempt(payment);
    if (canQuery && attempt) {
      const outcome = await this.bankCall(() => operations.status!({ payment, attempt }));
      if (outcome) {
        try {
          await this.payments.receiveBankMessage(payment.connector, { outcome }, STATUS_QUERY);
        } catch (err) {
          // A status answer that contradicts the payment is recorded as an anomaly by the state
          // machine; the merchant sees it on the payment, and the refunds are still asked about.
          if (!(err instanceof InvalidBankMessageError)) throw err;
          this.options.logger?.warn({ payment: payment.id, reason: err.reason }, 'status answer not applied');
        }
      }
    }
    if (canAskRefunds && attempt) {
      for (const refund of pendingRefunds) {
        const current = await this.read(payment.id);
        const answer = await this.ask(current, 'refund', () => operations.refundStatus!(this.target(current, refund.id)));
        await this.payments.apply(payment.id, refundOutcome(refund.id, answer), undefined, { source: STATUS_QUERY });
      }
    }
  }

  /**
   * A bank's own notification about refunds (Stripe's refund webhooks), verified by its connector.
   * The payment is the one holding the refund id the bank carried back, or the one whose attempt of
   * this connector the message names; a message id seen before is a replay. Each report goes through
   * the state machine (bank_refund), which finds our refund by its id or by the bank's, so the answer
   * is applied once whichever of the API call, the reconciler and the webhook comes first, and a refund
   * made at the bank without us is recorded as one of its own.
   */
  async receiveRefundMessage(connector: string, verified: VerifiedRefundMessage): Promise<{ payment: Payment; transitions: Transition[] }> {
    let payment = await this.paymentOfRefunds(connector, verified);
    const message = this.payments.messageOf(verified);
    if (message && (await this.store.knowsMessage(message.id))) throw new ReplayedBankMessageError(payment.id);
    // A message reporting nothing has no effect to lose: its id is kept at once.
    if (message && verified.refunds.length === 0 && !(await this.store.rememberMessage(message.id, message.expiresAt))) throw new ReplayedBankMessageError(payment.id);
    const transitions: Transition[] = [];
    for (const [index, report] of verified.refunds.entries()) {
      // The last report's commit keeps the message id: a write failing before it leaves the resend
      // free to come again, and the reports already applied are acknowledged then without effect.
      const last = index === verified.refunds.length - 1;
      const applied = await this.payments.apply(payment.id, bankRefund(report), payment, last && message ? { message } : {});
      transitions.push(applied);
      payment = applied.payment;
    }
    return { payment, transitions };
  }

  private async paymentOfRefunds(connector: string, verified: VerifiedRefundMessage): Promise<Payment> {
    const ours = verified.refunds.find((r) => r.refundId !== undefined)?.refundId;
    const payment = ours !== undefined
      ? await this.store.getPaymentByRefund(ours)
      : verified.attemptRef !== undefined ? await this.payments.findByBankAttempt(connector, verified.attemptRef) : null;
    // A refund id of ours on a payment of another bank is no evidence about that payment.
    if (!payment || payment.connector !== connector) throw new InvalidBankMessageError(ours !== undefined ? 'unknown_refund' : 'unknown_attempt');
    if (verified.attemptRef !== undefined && !payment.attempts.some((a) => a.ref === verified.attemptRef)) throw new InvalidBankMessageError('reference_mismatch');
    return payment;
  }

  /** A refund by its id (`re_…`). */
  async getRefund(refundId: string): Promise<Refund> {
    const payment = await this.store.getPaymentByRefund(refundId);
    const refund = payment?.refunds?.find((r) => r.id === refundId);
    if (!refund) throw new NotFoundError('No refund with this id.');
    return refund;
  }

  /** A payment's refunds, oldest first. */
  async listRefunds(paymentId: string): Promise<Refund[]> {
    return (await this.payments.get(paymentId)).refunds ?? [];
  }

  private async read(id: string): Promise<Payment> {
    // Not PaymentService.get: an authorisation past captureBefore must meet a capture as
    // capture_window_closed (what happened), not as an expiry recorded on the way.
    const payment = await this.store.getPayment(id);
    if (!payment) throw new NotFoundError('No payment with this id.');
    return payment;
  }

  /** The connector's operations when it offers `operation`; refused, naming both, otherwise. */
  private offering(payment: Payment, operation: OperationName): BankOperations {
    const operations = this.options.connectors.get(payment.connector).operations;
    if (!operations?.capabilities[operation] || !operations[operation]) throw new OperationNotSupportedError(OPERATION_WORDS[operation], payment.connector);
    return operations;
  }

  /**
   * The same command, asked of the state machine before the bank: a refusal throws here and costs no
   * bank call. False when it would change nothing (already done).
   */
  private refuseEarly(payment: Payment, command: Command): boolean {
    return transition(payment, command, { now: this.clock(), newEventId: () => newId('evt') }).changed;
  }

  /** The attempt the bank authorised: its transaction is what operations name. */
  private bankAttempt(payment: Payment): Attempt | undefined {
    return payment.attempts.find((a) => a.status === 'authorised');
  }

  private target(payment: Payment, operationId: string): OperationTarget {
    const attempt = this.bankAttempt(payment);
    if (!attempt) throw new IllegalTransitionError(payment.status, 'an operation at the bank');
    return { payment, attempt, operationId };
  }

  /** A connector call that throws instead of answering says nothing of what the bank did: unknown. */
  private async ask(payment: Payment, operation: OperationName, call: () => Promise<OperationAnswer>): Promise<OperationAnswer> {
    try {
      return await call();
    } catch (err) {
      this.options.logger?.warn({ payment: payment.id, operation, err: err instanceof Error ? err.message : String(err) }, 'bank operation without answer');
      return { outcome: 'unknown', reason: 'no_answer' };
    }
  }

  private async bankCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      throw new BankUnavailableError('The bank did not answer the status query; please retry.');
    }
  }

  /**
   * A capture's or void's answer: applied when the bank did it, a problem otherwise. `entry`, the
   * operation's audit entry, goes with the change (an anomaly recorded included: the bank did act).
   */
  private async settle(payment: Payment, operation: 'capture' | 'void', answer: OperationAnswer, command: (bank: { amount: number; currency: string }) => Command, entry: AuditEntry | undefined): Promise<Payment> {
    switch (answer.outcome) {
      case 'succeeded': {
        // The payment as read saves a read; should it have moved meanwhile, the commit re-reads and decides again.
        const applied = await this.payments.apply(payment.id, command({ amount: answer.amount, currency: answer.currency }), payment, entry ? { audit: () => entry } : {});
        if (applied.verdict === 'rejected') {
          throw new GatewayError('bank_error', `The bank confirmed the ${operation} with another amount or currency than asked; it is recorded on the payment as an anomaly.`);
        }
        if (!applied.changed) await this.appendAlone(entry);
        return applied.payment;
      }
      case 'refused':
        throw new BankRefusedError(operation, payment.connector, maskStandaloneCardNumbers(answer.reason));
      case 'pending':
      case 'unknown':
        // Not a failure: the bank may have done it. The same Idempotency-Key sends the same operation id again.
        throw new BankUnavailableError(`The bank has not confirmed the ${operation} yet; retry with the same Idempotency-Key.`);
      default:
        return assertNever(answer);
    }
  }

  /** The audit entry of an operation on `paymentId` asked by `asker`; none when nobody is named. */
  private entryOf(asker: OperationAsker | undefined, paymentId: string, detail: Record<string, string | number>): AuditEntry | undefined {
    const audit = this.options.audit;
    return asker && audit ? audit.entryOf({ ...asker, paymentId, detail }) : undefined;
  }

  /**
   * The entry of an operation whose own writes did not carry it (it changed nothing), appended before
   * the operation is answered; a failure is logged, as the operation is done (AuditTrail.append).
   */
  private async appendAlone(entry: AuditEntry | undefined): Promise<void> {
    if (entry) await this.options.audit?.append(entry);
  }

  private async answered(idempotency: IdempotencyRequest | undefined, begun: Begun<Payment>, payment: Payment): Promise<{ payment: Payment; replayed: boolean }> {
    await this.idempotency.finish(idempotency, begun, payment);
    return { payment, replayed: false };
  }
}

/** A bank's report about one refund, as the command that applies it. */
function bankRefund(report: BankRefundReport): Command {
  return {
    type: 'bank_refund',
    bankReference: report.bankReference,
    status: report.status,
    amount: report.amount,
    currency: report.currency,
    newRefundId: newId('re'),
    ...(report.refundId !== undefined ? { refundId: report.refundId } : {}),
    ...(report.failureReason !== undefined ? { failureReason: report.failureReason } : {}),
  };
}

/** The bank's answer about a refund, as the command that applies it. */
function refundOutcome(refundId: string, answer: OperationAnswer): RefundOutcomeCommand {
  switch (answer.outcome) {
    case 'succeeded':
      return { type: 'refund_outcome', refundId, status: 'succeeded', amount: answer.amount, currency: answer.currency, ...(answer.bankReference !== undefined ? { bankReference: answer.bankReference } : {}) };
    case 'pending':
      return { type: 'refund_outcome', refundId, status: 'pending' };
    case 'refused':
      return { type: 'refund_outcome', refundId, status: 'failed', failureReason: answer.reason };
    case 'unknown':
      return { type: 'refund_outcome', refundId, status: 'unknown' };
    default:
      return assertNever(answer);
  }
}

