/** One reading of the gateway process's memory, from its /metrics (prom-client's process metrics). */
export interface MemorySample {
  atSeconds: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** The heap in use after the latest full collection (hpp_heap_after_major_gc_bytes); 0 before the first. */
  liveHeapBytes: number;
}

function metric(text: string, name: string): number {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text);
  return match ? Number(match[1]) : NaN;
}

export async function readMemory(baseUrl: string, startedAt: number): Promise<MemorySample> {
  const res = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  return {
    atSeconds: Math.round((Date.now() - startedAt) / 100) / 10,
    rssBytes: metric(text, 'process_resident_memory_bytes'),
    heapUsedBytes: metric(text, 'nodejs_heap_size_used_bytes'),
    liveHeapBytes: metric(text, 'hpp_heap_after_major_gc_bytes'),
  };
}

/** Deliveries waiting in the gateway's outbox (hpp_outbox_pending on its /metrics). */
export async function readOutboxPending(baseUrl: string): Promise<number> {
  const res = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
  const pending = metric(await res.text(), 'hpp_outbox_pending');
  if (Number.isNaN(pending)) throw new Error('the gateway\'s /metrics has no hpp_outbox_pending');
  return pending;
}

export interface MemoryGrowth {
  warmupSeconds: number;
  afterWarmup: { rssBytes: number; heapUsedBytes: number; liveHeapBytes: number };
  atEnd: { rssBytes: number; heapUsedBytes: number; liveHeapBytes: number };
  rssGrowth: number;
  /** Heap used as sampled: it swings with the collector, so two windows can differ by half with nothing kept. */
  heapGrowth: number;
  /** The heap kept alive, read after full collections: the one that says whether the heap grows. */
  liveHeapGrowth: number;
  /** The distinct after-collection readings seen after warm-up (one per full collection sampled). */
  fullCollectionsSeen: number;
}

const median = (values: number[]) => {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

/**
 * Growth after warm-up: the median of the samples of the first window after warm-up against the
 * median of the last window (medians, because a sample can fall just before or after a collection).
 */
export function growthOf(samples: MemorySample[], warmupSeconds: number): MemoryGrowth {
  const after = samples.filter((s) => s.atSeconds >= warmupSeconds);
  const window = Math.max(1, Math.floor(after.length / 5));
  const first = after.slice(0, window);
  const last = after.slice(-window);
  // The live heap changes only at a full collection: its windows are of those readings, not of samples.
  const live = distinctReadings(after.map((s) => s.liveHeapBytes).filter((b) => b > 0));
  const liveWindow = Math.max(1, Math.floor(live.length / 5));
  const afterWarmup = { rssBytes: median(first.map((s) => s.rssBytes)), heapUsedBytes: median(first.map((s) => s.heapUsedBytes)), liveHeapBytes: median(live.slice(0, liveWindow)) };
  const atEnd = { rssBytes: median(last.map((s) => s.rssBytes)), heapUsedBytes: median(last.map((s) => s.heapUsedBytes)), liveHeapBytes: median(live.slice(-liveWindow)) };
  const growth = (a: number, b: number) => Math.round(((b - a) / a) * 1000) / 1000;
  return {
    warmupSeconds,
    afterWarmup,
    atEnd,
    rssGrowth: growth(afterWarmup.rssBytes, atEnd.rssBytes),
    heapGrowth: growth(afterWarmup.heapUsedBytes, atEnd.heapUsedBytes),
    liveHeapGrowth: growth(afterWarmup.liveHeapBytes, atEnd.liveHeapBytes),
    fullCollectionsSeen: live.length,
  };
}

/** A run of equal readings is one collection read several times. */
function distinctReadings(values: number[]): number[] {
  return values.filter((v, i) => i === 0 || v !== values[i - 1]);
}
