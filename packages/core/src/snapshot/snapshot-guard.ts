import { freemem, totalmem } from 'node:os';
import { formatBytes } from '../format.js';

/**
 * RSS growth while a snapshot is taken and analysed, per byte of used JS heap. Measured here (Node 20, 2 cores):
 * serializing a 41 MB heap to a worker took RSS from 110 MB to 414 MB (7.4x the used heap) before any parsing;
 * the worker's parse arrays add ~1.3x the file (~1.8x the heap). V8-FACTS.md saw ~12x in-process.
 */
export const SNAPSHOT_GROWTH_PER_HEAP_BYTE = 10;

/** Where the process's memory ends: the option, the cgroup limit, or the host's memory. */
export interface MemoryCeiling {
  bytes: number;
  /** Where `bytes` comes from, for the refusal message. */
  source: string;
}

/** The lowest of the configured limit, the container's limit (`process.constrainedMemory`) and host memory. */
export function memoryCeiling(configured: number | undefined): MemoryCeiling {
  let ceiling: MemoryCeiling = { bytes: totalmem(), source: 'the host memory' };
  const constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0;
  // Node reports "no limit" as 0 or as a huge number (2^64 - 1, or the cgroup's "max").
  if (constrained > 0 && constrained < ceiling.bytes)
    ceiling = { bytes: constrained, source: 'the container (cgroup) memory limit' };
  if (configured !== undefined && configured < ceiling.bytes)
    ceiling = { bytes: configured, source: 'heapSnapshotMemoryLimit' };
  return ceiling;
}

/** Memory the host can still hand out (`process.availableMemory` where it exists, else free memory). */
function hostAvailable(): number {
  const available = (process as { availableMemory?: () => number }).availableMemory;
  return typeof available === 'function' ? available.call(process) : freemem();
}

/**
 * Why a heap snapshot must not be taken now, or undefined when it may. A snapshot's peak memory grows with the
 * used heap (see SNAPSHOT_GROWTH_PER_HEAP_BYTE); running out of it kills the process, so ramflow refuses instead.
 */
export function snapshotRefusal(configuredLimit: number | undefined): string | undefined {
  const { heapUsed, rss } = process.memoryUsage();
  const growth = heapUsed * SNAPSHOT_GROWTH_PER_HEAP_BYTE;
  const ceiling = memoryCeiling(configuredLimit);
  const peak = rss + growth;
  if (peak > ceiling.bytes) {
    return (
      `not enough memory for a heap snapshot: with ${formatBytes(heapUsed)} of used heap it needs about ` +
      `${formatBytes(growth)} more (peak RSS ~${formatBytes(peak)}), above the ${formatBytes(ceiling.bytes)} of ` +
      `${ceiling.source} (RSS now ${formatBytes(rss)})`
    );
  }
  const free = hostAvailable();
  if (growth > free) {
    return (
      `not enough free memory for a heap snapshot: it needs about ${formatBytes(growth)} ` +
      `(${SNAPSHOT_GROWTH_PER_HEAP_BYTE}x the ${formatBytes(heapUsed)} used heap), the host has ${formatBytes(free)} available`
    );
  }
  return undefined;
}
