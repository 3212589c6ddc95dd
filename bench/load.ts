import autocannon, { type AutocannonRequest, type Result } from 'autocannon';

export const CONNECTIONS = 16;

/** What one path measured: throughput, latency, answers and Redis commands per request. */
export interface PathFigures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  redisCommandsPerRequest: number | null;
  /**
   * Round trips to Redis per request, the requests sent one at a time (SERIAL_REQUESTS on one
   * connection, after the warm-up): the server's reads of the clients' sockets, so commands sent in one
   * turn (ioredis auto-pipelines them) count once, and the delivery worker's for the request's
   * notifications count too (with the background jobs' few polls meanwhile). Under load, concurrent
   * requests' commands share reads as well, so this is what one request costs, not what the server sees.
   */
  roundTripsPerRequest?: number;
  /**
   * Commands the gateway and its delivery worker sent to Redis per request over the warm-up (a
   * script once, the commands inside it not at all).
   */
  commandsSentPerRequest?: number;
  /** Requests that had to reuse a prepared item (the prepared ones ran out), 0 when none. */
  reused?: number;
  /**
   * Seconds after the measured run until the outbox had delivered every webhook and email the run
   * caused (the delivery worker runs in the gateway process, on the same cores), when measured.
   */
  drainSeconds?: number;
  /** The requests over the run and its drain: what the gateway sustains with its notifications sent. */
  sustainedRequestsPerSecond?: number;
  /**
   * CPU the server's processes used per request, in µs, over the measured run and its drain (its
   * delivery worker's included), when measured: /proc's tick is 10 ms, so about 1 % over a 10 s run.
   */
  cpuMicrosPerRequest?: number;
  /** Latency with the load held at 80 % of the measured peak (autocannon's overall rate), when run. */
  at80?: { requestsPerSecond: number; p50Ms: number; p99Ms: number; non2xx: number; errors: number };
}

export interface LoadPlan {
  url: string;
  requests: AutocannonRequest[];
  warmupSeconds: number;
  seconds: number;
  /** Read before and after the measured run (not the warm-up): Redis commands executed so far. */
  commands?: () => Promise<number>;
  /** Deliveries still waiting in the outbox: waited down to 0 after the run (drainSeconds). */
  pending?: () => Promise<number>;
  /** Also run at 80 % of the peak rate for `seconds`, after the drain (p99 at 80 %). */
  at80?: boolean;
  /** Counts the round trips and commands clients send to Redis while the warm-up and its drain run. */
  roundTrips?: () => Promise<() => Promise<{ commandsSent: number; roundTrips: number }>>;
  /** CPU seconds the server's processes have used so far (cpuMicrosPerRequest), null when unknown. */
  cpuSeconds?: () => Promise<number | null>;
}

const DRAIN_LIMIT_MS = 180_000;

/** The requests sent one at a time after the warm-up, whose Redis round trips are counted. */
export const SERIAL_REQUESTS = 40;

/** Waits until nothing is pending; the seconds it took (the limit, if it never got there). */
async function drain(pending: () => Promise<number>): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < DRAIN_LIMIT_MS) {
    if ((await pending()) === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return Math.round((Date.now() - started) / 100) / 10;
}

/**
 * Prepared items handed out one per request, each once; when the fresh ones run out the used ones are
 * handed out again and counted as reused, so the report says when a path measured repeated work.
 */
export class Pool<T> {
  private readonly fresh: T[] = [];
  private readonly used: T[] = [];
  private reuses = 0;

  add(item: T): void {
    this.fresh.push(item);
  }

  get available(): number {
    return this.fresh.length;
  }

  take(): T {
    const item = this.fresh.shift();
    if (item !== undefined) {
      this.used.push(item);
      return item;
    }
    if (this.used.length === 0) throw new Error('nothing prepared');
    this.reuses += 1;
    return this.used[this.reuses % this.used.length]!;
  }

  /** Reuses since the last call. */
  takeReused(): number {
    const reused = this.reuses;
    this.reuses = 0;
    return reused;
  }
}

/** Runs `requests` `count` times without measuring anything: preparation. */
export async function produce(url: string, requests: AutocannonRequest[], count: number): Promise<void> {
  // autocannon refuses more connections than requests: a small top-up runs on fewer connections.
  if (count > 0) await autocannon({ url, connections: Math.min(CONNECTIONS, count), amount: count, requests, timeout: 20 });
}

function run(plan: LoadPlan, seconds: number, overallRate?: number): Promise<Result> {
  return autocannon({ url: plan.url, connections: CONNECTIONS, duration: seconds, requests: plan.requests, timeout: 20, ...(overallRate ? { overallRate } : {}) });
}

/** A warm-up run (JIT, connection pools, caches), then the measured run of a fixed duration. */
export async function measure(plan: LoadPlan): Promise<PathFigures> {
  // What the preparation and the warm-up left in the outbox is theirs, not the measured run's.
  if (plan.pending) await drain(plan.pending);
  let sent: { roundTripsPerRequest: number; commandsSentPerRequest: number } | undefined;
  if (plan.warmupSeconds > 0) {
    const counted = plan.roundTrips ? await plan.roundTrips() : null;
    const warmup = await run(plan, plan.warmupSeconds);
    if (plan.pending) await drain(plan.pending);
    if (counted && plan.roundTrips) {
      const per = (n: number, of: number) => Math.round((n / Math.max(1, of)) * 10) / 10;
      const { commandsSent } = await counted();
      const serialCount = await plan.roundTrips();
      const serial = await autocannon({ url: plan.url, connections: 1, amount: SERIAL_REQUESTS, requests: plan.requests, timeout: 20 });
      if (plan.pending) await drain(plan.pending);
      const { roundTrips } = await serialCount();
      sent = { roundTripsPerRequest: per(roundTrips, serial.requests.total), commandsSentPerRequest: per(commandsSent, warmup.requests.total) };
    }
  }
  const before = plan.commands ? await plan.commands() : 0;
  const cpuBefore = plan.cpuSeconds ? await plan.cpuSeconds() : null;
  const result = await run(plan, plan.seconds);
  // The commands of the drain are the run's too: the deliveries its requests caused.
  const drainSeconds = plan.pending ? await drain(plan.pending) : undefined;
  const after = plan.commands ? await plan.commands() : 0;
  const cpuAfter = plan.cpuSeconds ? await plan.cpuSeconds() : null;
  const requests = result.requests.total;
  const figures: PathFigures = {
    requestsPerSecond: Math.round(requests / result.duration),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    redisCommandsPerRequest: plan.commands && requests > 0 ? Math.round(((after - before) / requests) * 100) / 100 : null,
  };
  if (sent) Object.assign(figures, sent);
  if (cpuBefore !== null && cpuAfter !== null && requests > 0) figures.cpuMicrosPerRequest = Math.round(((cpuAfter - cpuBefore) * 1e6) / requests);
  if (drainSeconds !== undefined) {
    figures.drainSeconds = drainSeconds;
    figures.sustainedRequestsPerSecond = Math.round(requests / (result.duration + drainSeconds));
  }
  if (plan.at80) {
    const held = await run(plan, plan.seconds, Math.max(1, Math.round(0.8 * (figures.sustainedRequestsPerSecond ?? figures.requestsPerSecond))));
    if (plan.pending) await drain(plan.pending);
    figures.at80 = { requestsPerSecond: Math.round(held.requests.total / held.duration), p50Ms: held.latency.p50, p99Ms: held.latency.p99, non2xx: held.non2xx, errors: held.errors + held.timeouts };
  }
  return figures;
}
