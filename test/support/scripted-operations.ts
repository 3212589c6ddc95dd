import type { BankConnector } from '../../src/connectors/bank-connector.js';
import type { BankCapabilities, BankOperations, OperationAnswer, OperationTarget } from '../../src/connectors/bank-operations.js';
import type { BankOutcome } from '../../src/core/bank-outcome.js';

export type OperationKind = 'capture' | 'void' | 'refund' | 'refundStatus' | 'status';

/** One call the gateway made to the bank's operations. */
export interface OperationCall {
  kind: OperationKind;
  paymentId: string;
  attemptRef: string;
  operationId?: string;
  amount?: number;
  reason?: string | null;
}

export const CAPTURE_WINDOW_MS = 7 * 24 * 3600_000;

/**
 * A bank's operations whose answers the test scripts: each call takes the next answer queued for its
 * kind, or, when none is queued, the bank does what was asked (succeeded, with the amount and
 * currency asked). Every call is recorded, so a test can count what reached the bank.
 */
export class ScriptedOperations implements BankOperations {
  readonly capabilities: BankCapabilities;
  readonly calls: OperationCall[] = [];
  private readonly queued: Record<OperationKind, Array<OperationAnswer | BankOutcome | null>> = { capture: [], void: [], refund: [], refundStatus: [], status: [] };
  /** Milliseconds each answer takes, so that concurrent requests overlap at the bank. */
  delayMs = 0;

  constructor(capabilities: Partial<BankCapabilities> = {}) {
    this.capabilities = { manualCapture: true, captureWindowMs: CAPTURE_WINDOW_MS, multipleCaptures: false, capture: true, void: true, refund: true, status: true, ...capabilities };
  }

  /** Queues the next answers for one kind of call. */
  answer(kind: 'status', ...answers: Array<BankOutcome | null>): this;
  answer(kind: Exclude<OperationKind, 'status'>, ...answers: OperationAnswer[]): this;
  answer(kind: OperationKind, ...answers: Array<OperationAnswer | BankOutcome | null>): this {
    this.queued[kind].push(...answers);
    return this;
  }

  callsOf(kind: OperationKind): OperationCall[] {
    return this.calls.filter((c) => c.kind === kind);
  }

  async capture(target: OperationTarget, amount: number): Promise<OperationAnswer> {
    return this.run('capture', target, { amount }, { outcome: 'succeeded', amount, currency: target.payment.currency, bankReference: `cap-${this.calls.length}` });
  }

  async void(target: OperationTarget): Promise<OperationAnswer> {
    return this.run('void', target, {}, { outcome: 'succeeded', amount: target.payment.amount, currency: target.payment.currency });
  }

  async refund(target: OperationTarget, amount: number, reason: string | null): Promise<OperationAnswer> {
    return this.run('refund', target, { amount, reason }, { outcome: 'succeeded', amount, currency: target.payment.currency, bankReference: `rf-${target.operationId}` });
  }

  async refundStatus(target: OperationTarget): Promise<OperationAnswer> {
    const refund = target.payment.refunds?.find((r) => r.id === target.operationId);
    return this.run('refundStatus', target, {}, refund ? { outcome: 'succeeded', amount: refund.amount, currency: refund.currency, bankReference: `rf-${refund.id}` } : { outcome: 'refused', reason: 'unknown_refund' });
  }

  async status(target: Omit<OperationTarget, 'operationId'>): Promise<BankOutcome | null> {
    this.calls.push({ kind: 'status', paymentId: target.payment.id, attemptRef: target.attempt.ref });
    await this.pause();
    const queued = this.queued.status;
    return queued.length > 0 ? (queued.shift() as BankOutcome | null) : null;
  }

  private async run(kind: Exclude<OperationKind, 'status'>, target: OperationTarget, details: Pick<OperationCall, 'amount' | 'reason'>, done: OperationAnswer): Promise<OperationAnswer> {
    this.calls.push({ kind, paymentId: target.payment.id, attemptRef: target.attempt.ref, operationId: target.operationId, ...details });
    await this.pause();
    const queued = this.queued[kind];
    return queued.length > 0 ? (queued.shift() as OperationAnswer) : done;
  }

  private pause(): Promise<void> {
    return this.delayMs > 0 ? new Promise((resolve) => setTimeout(resolve, this.delayMs)) : Promise.resolve();
  }
}

/** The connector given, with these operations: its messages verified as before, its bank's back office scripted. */
export function withOperations(connector: BankConnector, operations: BankOperations): BankConnector {
  return {
    name: connector.name,
    bankOrigin: connector.bankOrigin,
    buildRequest: (input) => connector.buildRequest(input),
    verifyReturn: (message) => connector.verifyReturn(message),
    verifyNotification: (message) => connector.verifyNotification(message),
    acknowledge: (kind, reason) => connector.acknowledge(kind, reason),
    ...(connector.cannotCharge ? { cannotCharge: (amount: number, currency: string) => connector.cannotCharge!(amount, currency) } : {}),
    operations,
  };
}
