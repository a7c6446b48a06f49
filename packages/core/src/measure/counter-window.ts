import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import type { GcActivity, HeapDeltaMode, MemoryFigures } from '../types.js';
import { getForceGc } from './force-gc.js';
import type { GcLedger, WindowGcSummary } from './gc-ledger.js';

/**
 * A collection during the handler's last synchronous stretch is reported by the observer only a loop turn later,
 * so at header time it is invisible. Such a collection frees megabytes of young garbage; a window whose heap
 * still grew by this much may have allocated that much more, so its header-time allocation is reported as a
 * lower bound ("at least") rather than as exact. Below it (and above zero) an unseen collection would have to
 * have freed within 64 KiB of what the window allocated. The stored record is always settled exactly.
 */
const PLAUSIBLE_GC_BYTES = 64 * 1024;

/**
 * What one `v8.getHeapStatistics()` allocates after it has read the heap: its result object (616 bytes on Node 20,
 * its fields boxed). A window's opening reading therefore counts one such object as the request's, and each of
 * ramflow's own spans leaves its closing reading's object outside the span: both are ramflow's, corrected for.
 * Measured once, before the first window opens (the median of five back-to-back pairs, in case a collection falls
 * between one).
 */
let statsObjectBytes: number | undefined;

function readingBytes(): number {
  if (statsObjectBytes === undefined) {
    const deltas: number[] = [];
    for (let i = 0; i < 5; i++) {
      const before = v8.getHeapStatistics().used_heap_size;
      deltas.push(v8.getHeapStatistics().used_heap_size - before);
    }
    deltas.sort((a, b) => a - b);
    statsObjectBytes = Math.max(0, Math.min(4096, deltas[2] as number));
  }
  return statsObjectBytes;
}

/** Figures known when the response headers are written. */
export interface PeekFigures {
  heapDeltaBytes: number;
  heapDeltaKind: 'exact' | 'raw';
  allocatedBytes: number;
  /**
   * True when a collection in the window is not measured yet (or may have happened unseen), so the true
   * allocation is at least `allocatedBytes`; the stored record settles it.
   */
  allocatedIsLowerBound: boolean;
  gcCount: number;
  gcPauseMs: number;
  heapUsedBeforeBytes: number;
  heapUsedNowBytes: number;
  externalDeltaBytes: number;
}

/**
 * The always-on process counters of one request window. Opening, peeking and closing read V8's heap statistics
 * (~0.3 µs); GC accounting comes from the shared ledger and is settled after the response.
 */
export class CounterWindow {
  readonly t0: number;
  readonly used0: number;
  readonly external0: number;
  t1 = Number.NaN;
  used1 = 0;
  external1 = 0;
  /** Exact mode: used heap just before ramflow's closing collection, and the live-heap change after it. */
  #usedBeforeClosingGc: number | undefined;
  exactDelta: number | undefined;
  /**
   * ramflow's own work inside the window (rendering and injecting the toolbar, formatting headers), as flat
   * [start, end, usedBefore, usedAfter] quadruples: what it allocated is not the request's and is subtracted.
   */
  readonly #own: number[] = [];
  /** Own work running now (spans nest: the outermost one is recorded). */
  #ownDepth = 0;
  /** Bytes of one heap-statistics reading's result (see readingBytes). */
  readonly #readingBytes: number;

  constructor(
    readonly ledger: GcLedger,
    readonly mode: HeapDeltaMode,
  ) {
    if (mode === 'exact') ledger.collect(getForceGc());
    this.#readingBytes = readingBytes();
    const stats = v8.getHeapStatistics();
    this.t0 = performance.now();
    this.used0 = stats.used_heap_size;
    this.external0 = stats.external_memory;
  }

  get closed(): boolean {
    return !Number.isNaN(this.t1);
  }

  /**
   * Runs ramflow's own work (`work`) inside the window and remembers what it allocated, so the request's figures
   * leave it out (two heap-statistics reads, ~0.5 µs). Collections during it are settled like the window's.
   */
  own<T>(work: () => T): T {
    if (this.closed || this.#ownDepth > 0) return work();
    const start = performance.now();
    const used = v8.getHeapStatistics().used_heap_size;
    this.#ownDepth++;
    try {
      return work();
    } finally {
      this.#ownDepth--;
      // The closing reading's own result object is allocated after it read the heap: ramflow's too.
      this.#own.push(
        start,
        performance.now(),
        used,
        v8.getHeapStatistics().used_heap_size + this.#readingBytes,
      );
    }
  }

  /**
   * Bytes of ramflow's that are allocated outside its own spans, known in advance (Node copying the toolbar's
   * characters with a string page): left out of the request's figures like a span's.
   */
  ownBytes(bytes: number): void {
    if (this.closed || bytes <= 0) return;
    const now = performance.now();
    this.#own.push(now, now, 0, bytes);
  }

  /**
   * Bytes ramflow's own work allocated in the window, with what collections during it freed; undefined while a
   * collection in it is not measured yet.
   */
  #ownBytes(): { allocated: number; growth: number } | undefined {
    let allocated = 0;
    let growth = 0;
    for (let i = 0; i < this.#own.length; i += 4) {
      const [start, end, before, after] = this.#own.slice(i, i + 4) as [number, number, number, number];
      const gc = this.ledger.summarize(start, end);
      if (gc.unmeasured > 0 || gc.lost) return undefined;
      allocated += after - before + gc.freedKnownBytes;
      growth += after - before;
    }
    return { allocated, growth };
  }

  /** Figures so far, for `Server-Timing` and the badge. Never restarts the GC profiler. */
  peek(): PeekFigures {
    if (this.mode === 'exact' && this.exactDelta === undefined) {
      this.#usedBeforeClosingGc = v8.getHeapStatistics().used_heap_size;
      this.exactDelta = this.ledger.collect(getForceGc()) - this.used0;
    }
    const stats = v8.getHeapStatistics();
    const now = performance.now();
    this.ledger.catchUp();
    const gc = this.ledger.summarize(this.t0, now);
    // In exact mode ramflow's own closing collection is not observed yet; allocation up to it is exact.
    const usedForAllocation = this.#usedBeforeClosingGc ?? stats.used_heap_size;
    const own = this.#ownBytes() ?? { allocated: 0, growth: 0 };
    const growth = usedForAllocation - this.used0;
    const lowerBound = gc.unmeasured > 0 || gc.lost || growth < 0 || growth >= PLAUSIBLE_GC_BYTES;
    return {
      heapDeltaBytes: this.exactDelta ?? stats.used_heap_size - this.used0 - own.growth,
      heapDeltaKind: this.exactDelta === undefined ? 'raw' : 'exact',
      allocatedBytes: Math.max(0, growth + gc.freedKnownBytes - own.allocated - this.#readingBytes),
      allocatedIsLowerBound: lowerBound,
      gcCount: gc.count + (this.#usedBeforeClosingGc === undefined ? 0 : 1),
      gcPauseMs: gc.pauseMs,
      heapUsedBeforeBytes: this.used0,
      heapUsedNowBytes: stats.used_heap_size,
      externalDeltaBytes: stats.external_memory - this.external0,
    };
  }

  /** The response finished: take the closing reading. Cheap; figures are computed when the ledger settles. */
  close(): void {
    if (this.closed) return;
    const stats = v8.getHeapStatistics();
    this.t1 = performance.now();
    this.used1 = stats.used_heap_size;
    this.external1 = stats.external_memory;
  }

  /** The GC activity of the closed window as the ledger knows it now. */
  gcSummary(): WindowGcSummary {
    return this.ledger.summarize(this.t0, this.t1);
  }

  /**
   * The final figures. `unavailable` explains a missing allocation figure when the window is finalized before
   * its collections could be measured.
   */
  figures(
    summary: WindowGcSummary,
    process: { rss: number; arrayBuffers: number } | undefined,
    unavailable?: string,
  ): MemoryFigures {
    const gc: GcActivity = {
      count: summary.count,
      pauseMs: round3(summary.pauseMs),
      forced: summary.forced,
      byKind: {},
    };
    for (const [kind, value] of Object.entries(summary.byKind)) {
      gc.byKind[kind] = { count: value.count, pauseMs: round3(value.pauseMs) };
    }
    const own = this.#ownBytes();
    // ramflow's own garbage is still in the raw delta when no collection followed it in the window.
    const ownGrowth =
      own !== undefined &&
      this.#own.length > 0 &&
      this.ledger.summarize(this.#own[0] as number, this.t1).count === 0
        ? own.growth
        : 0;
    const figures: MemoryFigures = {
      heapDeltaBytes: this.exactDelta ?? this.used1 - this.used0 - ownGrowth,
      heapDeltaKind: this.exactDelta === undefined ? 'raw' : 'exact',
      allocatedBytes: null,
      heapUsedBeforeBytes: this.used0,
      heapUsedAfterBytes: this.used1,
      externalDeltaBytes: this.external1 - this.external0,
      arrayBuffersBytes: process?.arrayBuffers ?? null,
      rssBytes: process?.rss ?? null,
      gc,
    };
    if (summary.lost) {
      figures.allocatedUnavailable =
        'a garbage collection in this window could not be measured (it fell between two GC-profiler readings)';
    } else if (summary.unmeasured > 0) {
      figures.allocatedUnavailable =
        unavailable ?? 'the bytes freed by a garbage collection in this window were not measured in time';
    } else if (own === undefined) {
      figures.allocatedUnavailable =
        unavailable ??
        "the bytes freed by a garbage collection during ramflow's own work were not measured in time";
    } else {
      // The opening reading's result object is the window's first allocation, and ramflow's.
      figures.allocatedBytes = Math.max(
        0,
        this.used1 - this.used0 + summary.freedKnownBytes - own.allocated - this.#readingBytes,
      );
    }
    if (own !== undefined && own.allocated > 0) figures.ramflowAllocatedBytes = own.allocated;
    return figures;
  }
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
