const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;

export interface RetryScheduleOptions {
  /** Ceiling of the first wait; it doubles after every failed try. */
  baseMs: number;
  /** The ceiling stops growing here. */
  maxDelayMs: number;
  /** No try is scheduled later than this long after the event was queued: the delivery is dead. */
  maxAgeMs: number;
  /** [0, 1); Math.random unless a test fixes it. */
  random?: () => number;
}

/** 10 s, doubling, capped at 6 h, given up 3 days after the event was queued. */
export const DEFAULT_RETRY_SCHEDULE: Readonly<RetryScheduleOptions> = Object.freeze({
  baseMs: 10 * SECOND,
  maxDelayMs: 6 * HOUR,
  maxAgeMs: 3 * DAY,
});

/**
 * When to try again after try number `attemptNumber` (1 for the first) failed, or null when that
 * would be past `queuedAt + maxAgeMs` (the delivery is dead).
 *
 * Exponential back-off with FULL jitter: the wait is uniform in [0, min(maxDelayMs, baseMs·2^(n−1))).
 * Full rather than decorrelated jitter because it needs nothing but the attempt number, which the
 * outbox already keeps (decorrelated jitter needs the previous wait), and because it spreads best the
 * burst that follows a merchant outage, when every queued event for that endpoint fails together.
 */
export function nextRetryAt(attemptNumber: number, queuedAt: Date, now: Date, options: RetryScheduleOptions = DEFAULT_RETRY_SCHEDULE): Date | null {
  if (!Number.isSafeInteger(attemptNumber) || attemptNumber < 1) throw new RangeError('attemptNumber starts at 1');
  const random = options.random ?? Math.random;
  const ceiling = Math.min(options.maxDelayMs, options.baseMs * 2 ** Math.min(attemptNumber - 1, 52));
  const delay = Math.floor(random() * ceiling);
  const at = now.getTime() + delay;
  if (at > queuedAt.getTime() + options.maxAgeMs) return null;
  return new Date(at);
}
