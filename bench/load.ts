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
  /** Requests that had to reuse a prepared item (the prepared ones ran out), 0 when none. */
  reused?: number;
}

export interface LoadPlan {
  url: string;
  requests: AutocannonRequest[];
  warmupSeconds: number;
  seconds: number;
  /** Read before and after the measured run (not the warm-up): Redis commands executed so far. */
  commands?: () => Promise<number>;
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

function run(plan: LoadPlan, seconds: number): Promise<Result> {
  return autocannon({ url: plan.url, connections: CONNECTIONS, duration: seconds, requests: plan.requests, timeout: 20 });
}

/** A warm-up run (JIT, connection pools, caches), then the measured run of a fixed duration. */
export async function measure(plan: LoadPlan): Promise<PathFigures> {
  if (plan.warmupSeconds > 0) await run(plan, plan.warmupSeconds);
  const before = plan.commands ? await plan.commands() : 0;
  const result = await run(plan, plan.seconds);
  const after = plan.commands ? await plan.commands() : 0;
  const requests = result.requests.total;
  return {
    requestsPerSecond: Math.round(requests / result.duration),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    redisCommandsPerRequest: plan.commands && requests > 0 ? Math.round(((after - before) / requests) * 100) / 100 : null,
  };
}
