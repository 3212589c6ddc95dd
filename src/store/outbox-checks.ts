import { isAuditEvent } from '../core/audit-event.js';
import type { PaymentEvent } from '../core/events.js';
import type { Payment } from '../core/payment.js';
import type { DeliveryAttemptRecord, EventQuery, EventTargets } from './outbox.js';

/** Argument checks and normalising shared by both outbox adapters. */

/**
 * Delivery target names (`webhook:0`, `email`) become parts of keys and queue names, joined with
 * `,` and `|` in the Redis layout, so only a small safe alphabet is accepted.
 */
const TARGET_NAME = /^[A-Za-z0-9:._-]{1,100}$/;

/** Checks the configured targets and returns a copy; throws on a bad or repeated name. */
export function checkOutboxTargets(targets: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const target of targets) {
    if (!TARGET_NAME.test(target)) {
      throw new RangeError(`outbox target ${JSON.stringify(target)}: use 1 to 100 letters, digits or : . _ -`);
    }
    if (seen.has(target)) throw new RangeError(`outbox target ${target} is configured twice`);
    seen.add(target);
  }
  return [...targets];
}

/** The audit events' targets: some of the configured targets, in their configured order. */
export function auditTargetsOf(audit: readonly string[], configured: readonly string[]): string[] {
  for (const target of audit) {
    if (!configured.includes(target)) throw new RangeError(`audit target ${target} is not an outbox target`);
  }
  return configured.filter((target) => audit.includes(target));
}

/**
 * The targets a payment's event has deliveries for, as the store's `eventTargets` chooses them, in
 * their configured order; all of them when it is not given. A name that is no configured target
 * cannot come from the channels the targets are made from, and is left out rather than failing the
 * payment's write.
 */
export function chosenTargets(configured: readonly string[], chosen: readonly string[] | undefined): readonly string[] {
  return chosen === undefined ? configured : configured.filter((target) => chosen.includes(target));
}

/** How an outbox chooses an event's targets (the store's options, checked). */
export interface TargetChoice {
  targets: readonly string[];
  auditTargets: readonly string[];
  eventTargets: EventTargets | undefined;
}

/**
 * An event's targets, the one rule of both outboxes: the audit targets for an audit event, else those
 * eventTargets chooses for the payment as the write leaves it (all without a chooser or a payment).
 */
export function targetsOfEvent(event: PaymentEvent, payment: Payment | undefined, choice: TargetChoice): readonly string[] {
  if (isAuditEvent(event)) return choice.auditTargets;
  if (!choice.eventTargets || !payment) return choice.targets;
  return chosenTargets(choice.targets, choice.eventTargets(event, payment));
}

/** The targets a redelivery is for: the ones asked for, each a configured one, or all of them. */
export function redeliveryTargets(requested: readonly string[] | undefined, configured: readonly string[]): readonly string[] {
  if (requested === undefined) return configured;
  for (const target of requested) {
    if (!configured.includes(target)) throw new RangeError(`outbox target ${JSON.stringify(target)} is not configured`);
  }
  return requested;
}

/** A claim must take at least one delivery and lease it for a positive whole number of ms. */
export function assertClaimArguments(limit: number, leaseMs: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`claim limit must be a positive integer, got ${limit}`);
  if (!Number.isInteger(leaseMs) || leaseMs < 1) throw new RangeError(`lease must be a positive whole number of ms, got ${leaseMs}`);
}

/** Only the record's own fields, in a fixed order, so a stored attempt reads back as it was given. */
export function attemptRecord(attempt: DeliveryAttemptRecord): DeliveryAttemptRecord {
  return {
    at: attempt.at,
    durationMs: attempt.durationMs,
    ...(attempt.status === undefined ? {} : { status: attempt.status }),
    ...(attempt.error === undefined ? {} : { error: attempt.error }),
  };
}

/** The audit events are no payment's: a listing of them cannot be narrowed to one payment. */
export function assertEventQuery(query: EventQuery): void {
  if (query.audit && query.paymentId !== undefined) throw new RangeError('an event listing is of one payment or of the audit events, not both');
}
