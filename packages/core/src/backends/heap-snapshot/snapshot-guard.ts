import { freemem, totalmem } from 'node:os';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { formatBytes } from '../../format.js';
import { DEFAULT_HEAP_SNAPSHOT_MAX_PAUSE_MS } from '../../options.js';

/*
 * What a heap snapshot costs the app, measured through ramflow's own path (worker thread, connectToMainThread,
 * streaming parse) with bench/snapshot-cost.mjs; figures and command in BENCHMARKS.md ("What one heap snapshot
 * costs the app"). Both the pause and the memory follow the number of heap objects more than bytes: V8 writes a
 * node and its edges per object, and its in-memory graph, the JSON on its way to the worker and the worker's
 * parse all grow with them. Only bytes are known before a snapshot (`v8.getHeapStatistics`, 0.3 µs; the spaces,
 * 0.5 µs), so the estimate takes the used heap as object-dense (the worst case measured: ~25,000 objects per MB)
 * except V8's large-object spaces, whose objects are 128 KB and more each (big arrays and strings).
 */
const MB = 1024 * 1024;
/**
 * One snapshot's pause, ms, for `dense` MB of object-dense heap: PAUSE_MS_AT_1MB × dense ^ PAUSE_EXPONENT. Fitted
 * on the fastest of 6 snapshots per size of 18-550 MB of dense heap (2.2 s at 18 MB, 13.3 s at 90, 44.5 s at 278,
 * 109 s at 550: slower per MB as the heap grows), then raised ~15% towards the medians, which a machine shared
 * with other work pushed up to 1.6x the fastest.
 */
export const SNAPSHOT_PAUSE_MS_AT_1MB = 95;
export const SNAPSHOT_PAUSE_EXPONENT = 1.13;
/** Pause per MB of V8's large-object spaces. Measured: 602 MB of 256 KB strings added < 0.2 s. */
export const SNAPSHOT_MS_PER_LARGE_MB = 0.5;
/** RSS growth during a snapshot and its analysis per byte of object-dense heap. Measured: 11.4-12.7x, 90-550 MB. */
export const SNAPSHOT_GROWTH_PER_DENSE_BYTE = 12.7;
/** And per byte of the large-object spaces. Measured: none to speak of (65 MB with or without 602 MB of them). */
export const SNAPSHOT_GROWTH_PER_LARGE_BYTE = 0.05;
/** Growth whatever the heap: the worker thread and V8's fixed costs. Measured: ~65 MB with ~7 MB of dense heap. */
export const SNAPSHOT_GROWTH_BASE_BYTES = 64 * MB;

/** The process's figures a snapshot's cost is estimated from (read by `readSnapshotFigures`, given in tests). */
export interface SnapshotFigures {
  /** V8's used heap, bytes. */
  heapUsed: number;
  /** Of it, in V8's large-object spaces. */
  largeObjectBytes: number;
  /** The process's resident memory now. */
  rss: number;
  /** Memory the host can still hand out now. */
  hostAvailable: number;
}

/** What one snapshot is expected to cost. */
export interface SnapshotEstimate {
  /** How long it blocks the process, ms (a snapshot request takes two). */
  pauseMs: number;
  /**
   * How much slower than the model this process's last snapshot was (1 when it was not, or none was taken): the
   * pause is scaled by it, for a machine slower or busier than the one the model was measured on.
   */
  slowdown: number;
  /** RSS growth while it is taken and analysed, bytes. */
  growthBytes: number;
  /** RSS at the peak: now plus the growth. */
  peakRss: number;
}

/** Where the process's memory ends: the option, the cgroup limit, or the host's memory. */
export interface MemoryCeiling {
  bytes: number;
  /** Where `bytes` comes from, for the refusal message. */
  source: string;
}

/** What the snapshot may cost. */
export interface SnapshotLimits {
  /** `heapSnapshotMaxPauseMs`. */
  maxPauseMs: number;
  ceiling: MemoryCeiling;
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

/** The figures of this process now. */
export function readSnapshotFigures(): SnapshotFigures {
  let largeObjectBytes = 0;
  for (const space of getHeapSpaceStatistics())
    if (space.space_name.endsWith('large_object_space')) largeObjectBytes += space.space_used_size;
  const available = (process as { availableMemory?: () => number }).availableMemory;
  return {
    heapUsed: getHeapStatistics().used_heap_size,
    largeObjectBytes,
    rss: process.memoryUsage.rss(),
    hostAvailable: typeof available === 'function' ? available.call(process) : freemem(),
  };
}

/** The model's pause for a heap of `denseBytes` object-dense bytes and `largeBytes` in large objects, ms. */
export function modelPauseMs(denseBytes: number, largeBytes: number): number {
  const dense = Math.max(denseBytes, 0) / MB;
  return (
    SNAPSHOT_PAUSE_MS_AT_1MB * dense ** SNAPSHOT_PAUSE_EXPONENT + (largeBytes / MB) * SNAPSHOT_MS_PER_LARGE_MB
  );
}

/**
 * One snapshot's expected pause and memory. `slowdown`: how much slower than `modelPauseMs` this process's last
 * snapshot was; only a slowdown above 1 changes the estimate.
 */
export function estimateSnapshot(figures: SnapshotFigures, slowdown = 1): SnapshotEstimate {
  const large = Math.min(Math.max(figures.largeObjectBytes, 0), figures.heapUsed);
  const dense = figures.heapUsed - large;
  const factor = Math.max(slowdown, 1);
  const growthBytes =
    SNAPSHOT_GROWTH_BASE_BYTES +
    dense * SNAPSHOT_GROWTH_PER_DENSE_BYTE +
    large * SNAPSHOT_GROWTH_PER_LARGE_BYTE;
  return {
    pauseMs: modelPauseMs(dense, large) * factor,
    slowdown: factor,
    growthBytes,
    peakRss: figures.rss + growthBytes,
  };
}

/** `250 ms`, `2.5 s`, `25 s`. */
function duration(ms: number): string {
  if (!Number.isFinite(ms)) return 'no limit';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/** The heap, with its large-object part when there is one worth naming. */
function heapText(figures: SnapshotFigures): string {
  const large = figures.largeObjectBytes;
  return large >= figures.heapUsed / 10
    ? `${formatBytes(figures.heapUsed)} of used heap (${formatBytes(large)} of it in large objects)`
    : `${formatBytes(figures.heapUsed)} of used heap`;
}

/**
 * Why a heap snapshot must not be taken, or undefined when it may. A pure decision on the figures given: the
 * estimated pause against `heapSnapshotMaxPauseMs`, the estimated peak RSS against the memory ceiling, and the
 * memory the snapshot needs against what the host has free. Running out of memory kills the process, and a
 * pause of minutes looks like a hung server: ramflow refuses instead, saying why with the figures.
 */
export function snapshotRefusal(
  figures: SnapshotFigures,
  limits: SnapshotLimits,
  estimate: SnapshotEstimate = estimateSnapshot(figures),
): string | undefined {
  const heap = heapText(figures);
  if (estimate.pauseMs > limits.maxPauseMs) {
    const rate =
      estimate.slowdown > 1
        ? ` (${estimate.slowdown.toFixed(1)}x the estimate for this heap: this process's last snapshot was that much slower)`
        : '';
    const isDefault = limits.maxPauseMs === DEFAULT_HEAP_SNAPSHOT_MAX_PAUSE_MS ? ', the default' : '';
    const suggestion = Math.ceil((estimate.pauseMs * 1.5) / 10_000) * 10_000;
    return (
      `a heap snapshot would pause this process ~${duration(estimate.pauseMs)} (twice: before and after the ` +
      `request), above heapSnapshotMaxPauseMs (${duration(limits.maxPauseMs)}${isDefault}), for ${heap}${rate}. ` +
      `To allow it, raise heapSnapshotMaxPauseMs (e.g. ${suggestion}); to shorten it, take the snapshot with a ` +
      'smaller heap'
    );
  }
  const { ceiling } = limits;
  if (estimate.peakRss > ceiling.bytes) {
    const fix =
      ceiling.source === 'heapSnapshotMemoryLimit'
        ? 'To allow it, raise heapSnapshotMemoryLimit'
        : `heapSnapshotMemoryLimit can only lower this ceiling: give the ${ceiling.source.includes('container') ? 'container' : 'process'} more memory or take the snapshot with a smaller heap`;
    return (
      `not enough memory for a heap snapshot: with ${heap} its peak RSS would reach ~${formatBytes(estimate.peakRss)} ` +
      `(RSS now ${formatBytes(figures.rss)} + ~${formatBytes(estimate.growthBytes)} to take and analyse it), ` +
      `above the ${formatBytes(ceiling.bytes)} of ${ceiling.source}. ${fix}`
    );
  }
  if (estimate.growthBytes > figures.hostAvailable) {
    return (
      `not enough free memory for a heap snapshot: with ${heap} it needs ~${formatBytes(estimate.growthBytes)} ` +
      `more (peak RSS ~${formatBytes(estimate.peakRss)}), and the host has ${formatBytes(figures.hostAvailable)} ` +
      'available now. Retry when more memory is free'
    );
  }
  return undefined;
}
