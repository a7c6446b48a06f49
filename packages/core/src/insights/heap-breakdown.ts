import { getHeapSpaceStatistics } from 'node:v8';
import type { HeapBreakdown } from '../types.js';

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
