import type { CryptoRates } from './crypto-ceiling.js';
import type { PathFigures } from './load.js';

export type GatewayPath = 'create' | 'checkout' | 'pay' | 'notify';
export type BaselinePath = 'json' | 'page' | 'pageSigned' | 'jsonVerified' | 'pageKept';

/**
 * Each path, the baseline its target is a ratio of, and for checkout its floor: the bare page with
 * only what the page must keep in Redis (its rate-limit counter, the payment, the buyer's session),
 * which says how much of the gap the stack itself takes.
 */
export const GATEWAY_PATHS: Record<GatewayPath, { label: string; reference: BaselinePath; target: number; floor?: BaselinePath }> = {
  create: { label: 'POST /api/v1/payments', reference: 'json', target: 0.6 },
  checkout: { label: 'GET /checkout/:id', reference: 'page', target: 0.5, floor: 'pageKept' },
  pay: { label: 'POST /checkout/:id/pay', reference: 'pageSigned', target: 0.7 },
  notify: { label: 'POST /bank/native/notify', reference: 'jsonVerified', target: 0.7 },
};

export const BASELINE_LABELS: Record<BaselinePath, string> = {
  json: 'bare JSON POST',
  page: 'bare page',
  pageSigned: 'bare page + one sign',
  jsonVerified: 'bare JSON + one verify',
  pageKept: 'bare page + limit, read, session in Redis',
};

/** The latency target, held at 80 % of each path's peak. */
export const P99_AT_80_TARGET_MS = 50;

export interface Ratio {
  path: GatewayPath;
  /** The sustained rate: requests over the run and the delivery of the notifications they caused. */
  gateway: number;
  reference: BaselinePath;
  referenceRequestsPerSecond: number;
  ratio: number;
  target: number;
  met: boolean;
  /** p99 at 80 % of the peak, when it was run, and whether it is under P99_AT_80_TARGET_MS. */
  p99At80Ms?: number;
  p99At80Met?: boolean;
  /**
   * The path's floor (GATEWAY_PATHS), when it has one: its rate, its ratio to the reference (the most
   * any implementation on this stack reaches) and the gateway's sustained rate as a ratio of it.
   */
  floor?: { baseline: BaselinePath; requestsPerSecond: number; ofReference: number; gatewayOfFloor: number };
}

export interface BenchResult {
  date: string;
  mode: 'full' | 'quick';
  machine: { cpus: number; model: string; node: string; platform: string; loadAverage: number[] };
  settings: { connections: number; durationSeconds: number; warmupSeconds: number; store: 'redis'; redis: 'own server' | 'REDIS_URL'; deliveryWorker: 'in-process' | 'process' };
  crypto: CryptoRates;
  baseline: Record<BaselinePath, PathFigures>;
  gateway: Record<GatewayPath, PathFigures>;
  ratios: Ratio[];
  /** The processes the run started (by pid, Redis's own server included) and what was left of them. */
  cleanup: { pids: number[]; processesRunning: number; redisKeysLeft: number; tempDirRemoved: boolean };
}

/** part / whole to a tenth of a per cent, 0 when there is no whole. */
const share = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 1000 : 0);

export function ratiosOf(baseline: Record<BaselinePath, PathFigures>, gateway: Record<GatewayPath, PathFigures>): Ratio[] {
  return (Object.keys(GATEWAY_PATHS) as GatewayPath[]).map((path) => {
    const { reference, target } = GATEWAY_PATHS[path];
    const ref = baseline[reference].requestsPerSecond;
    const g = gateway[path];
    const sustained = g.sustainedRequestsPerSecond ?? g.requestsPerSecond;
    const ratio = share(sustained, ref);
    const latency = g.at80 ? { p99At80Ms: g.at80.p99Ms, p99At80Met: g.at80.p99Ms < P99_AT_80_TARGET_MS } : {};
    const floorPath = GATEWAY_PATHS[path].floor;
    const floorRate = floorPath ? baseline[floorPath]?.requestsPerSecond : undefined;
    const floor = floorPath && floorRate !== undefined ? { floor: { baseline: floorPath, requestsPerSecond: floorRate, ofReference: share(floorRate, ref), gatewayOfFloor: share(sustained, floorRate) } } : {};
    return { path, gateway: sustained, reference, referenceRequestsPerSecond: ref, ratio, target, met: ratio >= target, ...latency, ...floor };
  });
}

const pct = (x: number) => `${Math.round(x * 100)} %`;

/** The side-by-side table, as text for the terminal and as Markdown for the README. */
export function printTable(result: BenchResult): string {
  const rows: string[] = [];
  rows.push('| path | req/s | sustained (drain s) | p50 ms | p99 ms | p99 ms at 80 % | Redis round trips/req (commands sent) | Redis cmds run/req | CPU µs/req | against | its req/s | ratio | target |');
  rows.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of result.ratios) {
    const g = result.gateway[r.path];
    const reused = g.reused ? ` (${g.reused} reused)` : '';
    const sustained = g.sustainedRequestsPerSecond !== undefined ? `${g.sustainedRequestsPerSecond} (${g.drainSeconds})` : 'n/a';
    const at80 = r.p99At80Ms !== undefined ? `${r.p99At80Ms} ${r.p99At80Met ? 'met' : 'missed'}` : 'n/a';
    rows.push(`| \`${GATEWAY_PATHS[r.path].label}\` | ${g.requestsPerSecond}${reused} | ${sustained} | ${g.p50Ms} | ${g.p99Ms} | ${at80} | ${g.roundTripsPerRequest ?? 'n/a'}${g.commandsSentPerRequest !== undefined ? ` (${g.commandsSentPerRequest})` : ''} | ${g.redisCommandsPerRequest ?? 'n/a'} | ${g.cpuMicrosPerRequest ?? 'n/a'} | ${BASELINE_LABELS[r.reference]} | ${r.referenceRequestsPerSecond} | ${pct(r.ratio)} | ≥ ${pct(r.target)} ${r.met ? 'met' : 'missed'} |`);
  }
  for (const [name, label] of Object.entries(BASELINE_LABELS) as Array<[BaselinePath, string]>) {
    const b = result.baseline[name];
    if (!b) continue;
    rows.push(`| ${label} (baseline) | ${b.requestsPerSecond} | | ${b.p50Ms} | ${b.p99Ms} | | | | ${b.cpuMicrosPerRequest ?? 'n/a'} | | | | |`);
  }
  rows.push('');
  for (const r of result.ratios) {
    if (!r.floor) continue;
    rows.push(`${GATEWAY_PATHS[r.path].label}'s floor, ${BASELINE_LABELS[r.floor.baseline]}: ${r.floor.requestsPerSecond} req/s, ${pct(r.floor.ofReference)} of the ${BASELINE_LABELS[r.reference]} (the target is ${pct(r.target)}); the gateway sustains ${pct(r.floor.gatewayOfFloor)} of its floor.`);
  }
  rows.push(`jose EdDSA on one core: ${result.crypto.signPerSecond} signs/s, ${result.crypto.verifyPerSecond} verifies/s.`);
  return rows.join('\n');
}
