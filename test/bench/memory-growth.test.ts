import { expect } from 'chai';
import { growthOf, type MemorySample } from '../../bench/memory-samples.js';

const MB = 1024 * 1024;

/** One sample every 5 s for 10 minutes; a full collection every 30 s sets the live reading. */
function soak(liveAt: (seconds: number) => number): MemorySample[] {
  const samples: MemorySample[] = [];
  for (let t = 0; t <= 600; t += 5) {
    const sinceCollection = t % 30;
    const live = liveAt(t - sinceCollection);
    // Heap used as sampled: the live heap plus the garbage piled up since the last full collection.
    samples.push({ atSeconds: t, rssBytes: 200 * MB, heapUsedBytes: live + sinceCollection * 4 * MB, liveHeapBytes: t < 30 ? 0 : live });
  }
  return samples;
}

describe('bench: memory growth over a soak', () => {
  it('reads a flat live heap as flat, however the sampled heap swings with the collector', () => {
    // The last window's samples fall late in the saw-tooth, the first's early: sampled heap "grows".
    const samples = soak(() => 40 * MB).map((s) => (s.atSeconds > 480 ? { ...s, heapUsedBytes: s.heapUsedBytes + 60 * MB } : s));
    const growth = growthOf(samples, 60);
    expect(growth.heapGrowth).to.be.above(0.5);
    expect(growth.liveHeapGrowth).to.equal(0);
    expect(growth.afterWarmup.liveHeapBytes).to.equal(40 * MB);
    expect(growth.rssGrowth).to.equal(0);
  });

  it('finds a leak in the live heap: what full collections leave keeps rising', () => {
    // 0.1 MB kept per second, 40 MB to begin with: about +100 % over the soak.
    const growth = growthOf(soak((t) => 40 * MB + t * 0.1 * MB), 60);
    expect(growth.liveHeapGrowth).to.be.above(0.5);
    // Collections at 60, 90, … 600 s.
    expect(growth.fullCollectionsSeen).to.equal(19);
  });

  it('ignores the readings before the first full collection (0)', () => {
    const growth = growthOf(soak(() => 40 * MB), 0);
    expect(growth.afterWarmup.liveHeapBytes).to.equal(40 * MB);
    expect(growth.liveHeapGrowth).to.equal(0);
  });
});
