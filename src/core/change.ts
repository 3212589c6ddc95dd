import type { TransitionContext, Transition, Verdict } from './command.js';
import type { AnsweredOperation, PaymentEvent, PaymentEventType } from './events.js';
import type { AnomalyKind, Attempt, Payment } from './payment.js';
import type { Refund } from './refund.js';

/** What an event or an anomaly is about, beside its payment. */
export interface EventDetails {
  attemptRef?: string;
  refundId?: string;
  amount?: number;
  operation?: AnsweredOperation;
}

export function unchanged(payment: Payment, verdict: Verdict, about: { attempt?: Attempt; refund?: Refund } = {}): Transition {
  return { payment, events: [], changed: false, verdict, ...(about.attempt ? { attempt: about.attempt } : {}), ...(about.refund ? { refund: about.refund } : {}) };
}

/**
 * Builds the next version of the payment and the events stamped with that version. The next payment
 * is a copy down to each attempt and refund, so the input is never written to.
 */
export class Change {
  readonly next: Payment;
  readonly events: PaymentEvent[] = [];
  private touched = false;
  constructor(
    private readonly original: Payment,
    private readonly ctx: TransitionContext,
  ) {
    const at = ctx.now.toISOString();
    this.next = {
      ...original,
      version: original.version + 1,
      updatedAt: at,
      attempts: original.attempts.map((a) => ({ ...a })),
      anomalies: [...original.anomalies],
      ...(original.operationAnomalies ? { operationAnomalies: [...original.operationAnomalies] } : {}),
      ...(original.refunds ? { refunds: original.refunds.map((r) => ({ ...r })) } : {}),
    };
  }

  get at(): string {
    return this.ctx.now.toISOString();
  }

  emit(type: PaymentEventType, extra: EventDetails & { anomaly?: AnomalyKind } = {}): void {
    this.events.push({
      id: this.ctx.newEventId(),
      type,
      paymentId: this.next.id,
      paymentVersion: this.next.version,
      occurredAt: this.ctx.now.toISOString(),
      ...extra,
      ...(this.ctx.source ? { source: this.ctx.source } : {}),
    });
  }

  /** An anomaly kind is recorded (and notified) once per payment. */
  flag(kind: AnomalyKind, about: Omit<EventDetails, 'amount'> = {}): void {
    if (this.next.anomalies.includes(kind)) return;
    this.next.anomalies.push(kind);
    this.emit('payment.anomaly', { anomaly: kind, ...about });
  }

  /**
   * An anomaly of one operation (`operationId`: a refund's id, a capture's operation id) is recorded
   * and notified once per operation: a second refund answered with the same mismatch is another
   * anomaly, while the same refund asked about again is not. The payment lists the kind once.
   */
  flagOperation(kind: AnomalyKind, operationId: string, about: Omit<EventDetails, 'amount'> = {}): void {
    const key = `${operationId}:${kind}`;
    const flagged = this.next.operationAnomalies ?? [];
    if (flagged.includes(key)) return;
    this.next.operationAnomalies = [...flagged, key];
    if (!this.next.anomalies.includes(kind)) this.next.anomalies.push(kind);
    this.emit('payment.anomaly', { anomaly: kind, ...about });
  }

  attempt(ref: string): Attempt {
    const found = this.next.attempts.find((a) => a.ref === ref);
    if (!found) throw new Error(`attempt ${ref} vanished`);
    this.touched = true;
    return found;
  }

  refund(id: string): Refund {
    const found = this.next.refunds?.find((r) => r.id === id);
    if (!found) throw new Error(`refund ${id} vanished`);
    this.touched = true;
    return found;
  }

  addRefund(refund: Refund): Refund {
    this.next.refunds = [...(this.next.refunds ?? []), refund];
    this.touched = true;
    return refund;
  }

  done(verdict: Verdict, about: { attempt?: Attempt; refund?: Refund } = {}): Transition {
    if (this.events.length === 0 && !this.touched && verdict !== 'applied') {
      // Nothing was recorded (the anomaly was already flagged): keep the stored version.
      // A refund given here is then the stored one (a rejected answer): it is returned as stored.
      return unchanged(this.original, verdict, about.refund ? { refund: about.refund } : {});
    }
    return { payment: this.next, events: this.events, changed: true, verdict, ...(about.attempt ? { attempt: about.attempt } : {}), ...(about.refund ? { refund: about.refund } : {}) };
  }
}
