import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

// One observer for the process, whatever the number of gateways in it: the heap is the process's.
let observer: PerformanceObserver | undefined;
let afterMajorGc = 0;

/** Starts watching the full collections of this process (once, whatever the number of callers). */
export function watchFullCollections(): void {
  if (observer) return;
  observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      // Read when the entry is delivered, just after the collection: close to its low point.
      if (((entry as { detail?: { kind?: number } }).detail)?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) afterMajorGc = getHeapStatistics().used_heap_size;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
}

/**
 * The heap in use just after the latest full (mark-compact) collection seen since
 * watchFullCollections: the live heap, without the garbage a sample taken at any other moment also
 * counts. Heap used sampled at random moments swings with the collector (in the gateway under load,
 * between about 40 and 170 MB); this figure moves only when what is kept alive does, so a steady
 * rise of it is a leak. 0 until the first full collection.
 */
export function heapAfterMajorGcBytes(): number {
  return afterMajorGc;
}
