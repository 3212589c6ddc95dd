const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** After the first try: quickly for a blip, then spaced out for an outage. */
const FIRST_RETRIES = [2 * SECOND, 10 * SECOND, MINUTE, 5 * MINUTE, 30 * MINUTE];
/** The bank stops retrying once this long has passed since the first try. */
const GIVE_UP_AFTER = 24 * HOUR;

function defaultRetryDelays(): number[] {
  const delays = [...FIRST_RETRIES];
  let elapsed = delays.reduce((sum, delay) => sum + delay, 0);
  while (elapsed + HOUR <= GIVE_UP_AFTER) {
    delays.push(HOUR);
    elapsed += HOUR;
  }
  return delays;
}

/**
 * Waits before each retry of a notification, in milliseconds: entry n is the wait between try n+1
 * and try n+2 (the first try is immediate). 2 s, 10 s, 1 min, 5 min, 30 min, then hourly for 24 h.
 */
export const DEFAULT_NOTIFICATION_RETRY_DELAYS_MS: readonly number[] = Object.freeze(defaultRetryDelays());
