/** A part the gateway needs to serve, and how to ask it: resolves when it is there, rejects or returns false when not. */
export type ReadinessCheck = () => Promise<boolean | void> | boolean;

export interface ReadinessReport {
  ready: boolean;
  /** Each part, `ok` or why not (`unavailable`, `timeout`, `missing`). */
  checks: Record<string, 'ok' | 'unavailable' | 'timeout' | 'missing'>;
}

/** Long enough for a healthy Redis on another host; short enough for a probe's own timeout. */
export const READINESS_TIMEOUT_MS = 1_000;

async function outcome(check: ReadinessCheck, timeoutMs: number): Promise<ReadinessReport['checks'][string]> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  try {
    const answer = await Promise.race([Promise.resolve().then(check), late]);
    if (answer === 'timeout') return 'timeout';
    return answer === false ? 'missing' : 'ok';
  } catch {
    return 'unavailable';
  } finally {
    clearTimeout(timer);
  }
}

/** Asks every part at once; ready when each answers in time. */
export async function readiness(checks: Record<string, ReadinessCheck>, timeoutMs = READINESS_TIMEOUT_MS): Promise<ReadinessReport> {
  const names = Object.keys(checks);
  const results = await Promise.all(names.map((name) => outcome(checks[name]!, timeoutMs)));
  const report: ReadinessReport = { ready: results.every((r) => r === 'ok'), checks: {} };
  names.forEach((name, i) => (report.checks[name] = results[i]!));
  return report;
}
