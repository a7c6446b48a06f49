import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import type { GcActivity, HeapDeltaMode, MemoryFigures } from '../types.js';
import { getForceGc } from './force-gc.js';
import type { GcLedger } from './gc-ledger.js';

/**
 * Above this raw used-heap growth a scavenge during the window is likely enough that header-time figures settle
 * the GC ledger first (~20 µs, small next to the cost of allocating this much).
 */
const SETTLE_ABOVE_BYTES = 256 * 1024;

/** Figures known when the response headers are written. */
export interface PeekFigures {
  heapDeltaBytes: number;
  heapDeltaKind: 'exact' | 'raw';
  allocatedBytes: number | null;
  /** True when a collection's attribution to this window was a best guess (the record settles it). */
  approximate: boolean;
  gcCount: number;
  gcPauseMs: number;
}

/**
 * The always-on process counters of one request window. Opening and closing a window read V8's heap
 * statistics (~0.3 µs each); GC accounting comes from the shared ledger and is settled after the response.
 */
export class CounterWindow {
  readonly t0: number;
  readonly used0: number;
  readonly external0: number;
  readonly #openBatch: number;
  readonly #openedAtSettle: boolean;
  t1 = Number.NaN;
  used1 = 0;
  external1 = 0;
  /** The exact heap delta, fixed at header time in exact mode. */
  exactDelta: number | undefined;

  constructor(
    readonly ledger: GcLedger,
    readonly mode: HeapDeltaMode,
  ) {
    if (mode === 'exact') {
      collect(ledger);
      ledger.settle();
      this.#openedAtSettle = true;
    } else {
      this.#openedAtSettle = false;
    }
    this.#openBatch = ledger.batchStart;
    const stats = v8.getHeapStatistics();
    this.t0 = performance.now();
    this.used0 = stats.used_heap_size;
    this.external0 = stats.external_memory;
  }

  get closed(): boolean {
    return !Number.isNaN(this.t1);
  }

  /** Figures so far, for `Server-Timing` and the badge. `precise` settles the ledger even for small windows. */
  peek(precise: boolean): PeekFigures {
    const ledger = this.ledger;
    if (this.mode === 'exact' && this.exactDelta === undefined) {
      collect(ledger);
      ledger.settle();
      this.exactDelta = v8.getHeapStatistics().used_heap_size - this.used0;
    }
    const used = v8.getHeapStatistics().used_heap_size;
    const now = performance.now();
    if (precise || used < this.used0 || used - this.used0 >= SETTLE_ABOVE_BYTES || ledger.hasUnsettledSince(this.t0)) {
      ledger.settle();
    }
    const known = ledger.summarize(this.t0, now);
    const untimed = ledger.untimedSince(this.#openBatch, this.#openedAtSettle);
    const freed = known.freedBytes === null ? null : known.freedBytes + untimed.freedBytes;
    return {
      heapDeltaBytes: this.exactDelta ?? used - this.used0,
      heapDeltaKind: this.exactDelta === undefined ? 'raw' : 'exact',
      allocatedBytes: freed === null ? null : used - this.used0 + freed,
      approximate: !untimed.certain,
      gcCount: known.count + untimed.count,
      gcPauseMs: known.pauseMs + untimed.pauseMs,
    };
  }

  /** The response finished: take the closing reading. Cheap; the figures are computed once the ledger settles. */
  close(): void {
    if (this.closed) return;
    const stats = v8.getHeapStatistics();
    this.t1 = performance.now();
    this.used1 = stats.used_heap_size;
    this.external1 = stats.external_memory;
  }

  /** True once every GC of the closed window is known to the ledger. */
  get settled(): boolean {
    return this.closed && this.ledger.completeUntil >= this.t1;
  }

  /** The final figures (call once `settled`, or with `force` to give up waiting for late GC timings). */
  figures(process: { rss: number; arrayBuffers: number } | undefined): MemoryFigures {
    const summary = this.ledger.summarize(this.t0, this.t1);
    const late = !this.settled;
    const gc: GcActivity = { count: summary.count, pauseMs: round3(summary.pauseMs), forced: summary.forced, byKind: {} };
    for (const [kind, value] of Object.entries(summary.byKind)) {
      gc.byKind[kind] = { count: value.count, pauseMs: round3(value.pauseMs) };
    }
    const figures: MemoryFigures = {
      heapDeltaBytes: this.exactDelta ?? this.used1 - this.used0,
      heapDeltaKind: this.exactDelta === undefined ? 'raw' : 'exact',
      allocatedBytes: null,
      heapUsedBeforeBytes: this.used0,
      heapUsedAfterBytes: this.used1,
      externalDeltaBytes: this.external1 - this.external0,
      arrayBuffersBytes: process?.arrayBuffers ?? null,
      rssBytes: process?.rss ?? null,
      gc,
    };
    if (late) {
      figures.allocatedUnavailable = 'the timing of a garbage collection in this window never arrived';
    } else if (summary.freedBytes === null) {
      figures.allocatedUnavailable = summary.unavailable ?? 'garbage collection accounting unavailable';
    } else {
      figures.allocatedBytes = this.used1 - this.used0 + summary.freedBytes;
    }
    return figures;
  }
}

function collect(ledger: GcLedger): void {
  const gc = getForceGc();
  const from = performance.now();
  gc();
  ledger.addForcedRange(from, performance.now());
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
