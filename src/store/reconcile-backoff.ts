import type { ReconcileBackoff } from './payment-store.js';

/**
 * The wait after the ask that had `earlierAsks` asks before it: twice RECONCILE_AFTER after the first,
 * doubling each time, never more than `maxDelayMs` (claim-reconciliations.lua computes the same).
 */
export function reconcileWaitMs(earlierAsks: number, backoff: ReconcileBackoff): number {
  // 2^31 times any wait is past every cap; stopping there keeps the product finite.
  return Math.min(backoff.maxDelayMs, backoff.firstAfterMs * 2 ** Math.min(earlierAsks + 1, 31));
}

export function assertReconcileArguments(limit: number, backoff: ReconcileBackoff): void {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`claim limit must be a positive integer, got ${limit}`);
  for (const [name, ms] of [['firstAfterMs', backoff.firstAfterMs], ['maxDelayMs', backoff.maxDelayMs]] as const) {
    if (!Number.isInteger(ms) || ms < 1) throw new RangeError(`${name} must be a positive whole number of ms, got ${ms}`);
  }
}
