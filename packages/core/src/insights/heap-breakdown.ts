import { getHeapSpaceStatistics } from 'node:v8';

/** The process's memory split into V8 heap spaces and native memory, for the dashboard's breakdown chart. */
export interface HeapBreakdown {
  /** One entry per V8 heap space (new, old, code, large object…). */
  spaces: Array<{ name: string; usedBytes: number; sizeBytes: number }>;
  /** Memory of C++ objects bound to JS objects, including ArrayBuffer backing stores. */
  externalBytes: number;
  /** ArrayBuffer and Buffer backing stores: invisible to the sampling heap profiler, so shown separately. */
  arrayBuffersBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  rssBytes: number;
}

/**
 * Where the process's memory is right now: V8's heap spaces from `v8.getHeapSpaceStatistics()` and the native
 * totals from `process.memoryUsage()`. About 15 µs (mostly `memoryUsage`), so fine per dashboard refresh.
 */
export function heapBreakdown(): HeapBreakdown {
  const usage = process.memoryUsage();
  return {
    spaces: getHeapSpaceStatistics().map((space) => ({
      name: space.space_name,
      usedBytes: space.space_used_size,
      sizeBytes: space.space_size,
    })),
    externalBytes: usage.external,
    arrayBuffersBytes: usage.arrayBuffers,
    heapUsedBytes: usage.heapUsed,
    heapTotalBytes: usage.heapTotal,
    rssBytes: usage.rss,
  };
}
