import { constants, PerformanceObserver, performance } from 'node:perf_hooks';
import v8 from 'node:v8';

/**
 * Process-wide record of garbage collections with their time and the bytes each one freed, shared by every
 * request window.
 *
 * Why not one `v8.GCProfiler` per request: a start+stop costs ~15-20 µs here, a large share of a fast route,
 * and N concurrent profilers each record every GC. Instead one profiler runs for the process and is "settled"
 * (stopped and restarted) in batches. It gives each GC's freed bytes but no timestamp; a `gc`
 * PerformanceObserver gives each GC's timestamp but no bytes. Both see the same collections in the same order,
 * so pairing them in order yields timed, sized GC events. A request window then costs two heap-statistics
 * reads, and its allocation is `used(end) - used(start) + freed by GCs that started inside the window` (GCs
 * stop the world, so a GC is wholly between two reads on the main thread).
 */

export type GcKind = 'scavenge' | 'minor-mark-sweep' | 'mark-compact' | 'incremental-marking' | 'weak-callbacks';

export interface GcEvent {
  /** performance.now() time the collection started. */
  start: number;
  kind: GcKind;
  pauseMs: number;
  freedBytes: number;
  forced: boolean;
}

interface TimedEntry {
  start: number;
  durationMs: number;
  kind: GcKind;
}

interface MeasuredGc {
  kind: GcKind;
  pauseMs: number;
  freedBytes: number;
  /** performance.now() of the profiler restart that opened the batch this GC belongs to. */
  batchStart: number;
}

interface ProfilerStatistic {
  gcType: string;
  cost: number;
  beforeGC: { heapStatistics: { usedHeapSize: number } };
  afterGC: { heapStatistics: { usedHeapSize: number } };
}

const OBSERVER_KINDS: Record<number, GcKind> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental-marking',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak-callbacks',
  2: 'minor-mark-sweep',
};

const PROFILER_KINDS: Record<string, GcKind> = {
  Scavenge: 'scavenge',
  MinorMarkSweep: 'minor-mark-sweep',
  MinorMarkCompact: 'minor-mark-sweep',
  MarkSweepCompact: 'mark-compact',
  IncrementalMarking: 'incremental-marking',
  ProcessWeakCallbacks: 'weak-callbacks',
};

/** Most GC events kept; beyond it the oldest go and windows that reach back that far lose their GC figures. */
const MAX_EVENTS = 50_000;

/** A lost collection: seen by one source only (e.g. during the profiler's restart), so windows over it are unsure. */
interface Gap {
  at: number;
}

export interface WindowGcSummary {
  /** Bytes freed by GCs that started in the window, or null when the ledger cannot say exactly. */
  freedBytes: number | null;
  count: number;
  pauseMs: number;
  forced: number;
  byKind: Record<string, { count: number; pauseMs: number }>;
  /** Why freedBytes is null. */
  unavailable?: string;
}

export class GcLedger {
  #profiler = new v8.GCProfiler();
  #observer: PerformanceObserver;
  #timed: TimedEntry[] = [];
  #measured: MeasuredGc[] = [];
  #events: GcEvent[] = [];
  #gaps: Gap[] = [];
  /** [from, until] performance.now() ranges of collections ramflow forced; pairing happens later. */
  #forced: Array<[number, number]> = [];
  #batchStart: number;
  /** Every GC that started before this time is in #events (or recorded as a gap). */
  #completeUntil: number;
  /** Events before this index were pruned; windows older than #prunedBefore are unsure. */
  #prunedBefore = Number.NEGATIVE_INFINITY;
  #users = 0;

  constructor() {
    this.#observer = new PerformanceObserver((list) => this.#take(list.getEntries()));
    this.#observer.observe({ entryTypes: ['gc'] });
    this.#profiler.start();
    this.#batchStart = performance.now();
    this.#completeUntil = this.#batchStart;
  }

  /** Reference counting: one ledger serves every ramflow instance in the process. */
  acquire(): void {
    this.#users++;
  }

  release(): void {
    this.#users--;
    if (this.#users <= 0) this.dispose();
  }

  dispose(): void {
    this.#observer.disconnect();
    this.#profiler.stop();
    const registry = globalThis as unknown as Record<symbol, GcLedger | undefined>;
    if (registry[REGISTRY_KEY] === this) registry[REGISTRY_KEY] = undefined;
  }

  /** performance.now() of the last settle: GCs measured since belong to the batch that opened then. */
  get batchStart(): number {
    return this.#batchStart;
  }

  /** True when the observer has timed a GC at or after `time` that is not settled yet. */
  hasUnsettledSince(time: number): boolean {
    this.#take(this.#observer.takeRecords());
    const last = this.#timed[this.#timed.length - 1];
    return last !== undefined && last.start >= time;
  }

  #take(entries: ReadonlyArray<PerformanceEntry>): void {
    for (const entry of entries) {
      const detail = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail;
      const kind = OBSERVER_KINDS[detail?.kind ?? -1] ?? 'scavenge';
      this.#timed.push({ start: entry.startTime, durationMs: entry.duration, kind });
    }
  }

  /** Time up to which every GC is known; windows that ended before it can be finalized exactly. */
  get completeUntil(): number {
    return this.#completeUntil;
  }

  /** Records that ramflow forced the collections between `from` and `until` (for `heapDelta: "exact"`). */
  addForcedRange(from: number, until: number): void {
    this.#forced.push([from, until]);
    if (this.#forced.length > 1000) this.#forced.splice(0, this.#forced.length - 1000);
  }

  #isForced(time: number): boolean {
    for (let i = this.#forced.length - 1; i >= 0; i--) {
      const [from, until] = this.#forced[i] as [number, number];
      if (time >= from && time <= until) return true;
      if (until < time) return false;
    }
    return false;
  }

  /**
   * Stops and restarts the profiler, pairing what it saw with the observer's timestamps. ~20 µs: call it in
   * batches, or when a caller needs figures now.
   */
  settle(): void {
    this.#take(this.#observer.takeRecords());
    const data = this.#profiler.stop() as { statistics: ProfilerStatistic[] } | undefined;
    const batchStart = this.#batchStart;
    this.#profiler = new v8.GCProfiler();
    this.#profiler.start();
    this.#batchStart = performance.now();
    for (const statistic of data?.statistics ?? []) {
      this.#measured.push({
        kind: PROFILER_KINDS[statistic.gcType] ?? 'scavenge',
        pauseMs: statistic.cost / 1000,
        freedBytes: statistic.beforeGC.heapStatistics.usedHeapSize - statistic.afterGC.heapStatistics.usedHeapSize,
        batchStart,
      });
    }
    this.#pair();
  }

  #pair(): void {
    let t = 0;
    let m = 0;
    while (t < this.#timed.length && m < this.#measured.length) {
      const timed = this.#timed[t] as TimedEntry;
      const measured = this.#measured[m] as MeasuredGc;
      if (timed.start < measured.batchStart || !this.#agree(timed, measured)) {
        // The observer saw a GC the profiler did not (it fell between a stop and a start): lose it honestly.
        this.#gaps.push({ at: timed.start });
        t++;
        continue;
      }
      const forced = this.#isForced(timed.start);
      this.#events.push({ start: timed.start, kind: measured.kind, pauseMs: measured.pauseMs, freedBytes: measured.freedBytes, forced });
      t++;
      m++;
    }
    this.#timed.splice(0, t);
    this.#measured.splice(0, m);
    // Every profiler-measured GC has its time: all GCs up to the last restart are known. Otherwise the oldest
    // untimed one happened after the restart that opened its batch.
    const oldest = this.#measured[0];
    this.#completeUntil = oldest === undefined ? this.#batchStart : oldest.batchStart;
    this.#prune();
  }

  #agree(timed: TimedEntry, measured: MeasuredGc): boolean {
    if (timed.kind !== measured.kind && !(timed.kind === 'scavenge' && measured.kind === 'minor-mark-sweep')) {
      return false;
    }
    // Both time the same pause from their own callbacks; allow generous slack for scheduling noise.
    return Math.abs(timed.durationMs - measured.pauseMs) <= Math.max(0.5, measured.pauseMs * 0.5);
  }

  #prune(): void {
    if (this.#events.length > MAX_EVENTS) {
      const drop = this.#events.length - MAX_EVENTS;
      this.#prunedBefore = (this.#events[drop] as GcEvent).start;
      this.#events.splice(0, drop);
    }
    if (this.#gaps.length > 1000) this.#gaps.splice(0, this.#gaps.length - 1000);
  }

  /** Drop events older than every window still open or pending. */
  forgetBefore(time: number): void {
    let drop = 0;
    while (drop < this.#events.length && (this.#events[drop] as GcEvent).start < time) drop++;
    if (drop > 0) this.#events.splice(0, drop);
    let gapDrop = 0;
    while (gapDrop < this.#gaps.length && (this.#gaps[gapDrop] as Gap).at < time) gapDrop++;
    if (gapDrop > 0) this.#gaps.splice(0, gapDrop);
  }

  /**
   * GC activity in [from, to): the known events. `freedBytes` is null when a collection in the window was lost
   * or when it reaches back before the kept history. Untimed collections (measured, awaiting their timestamp)
   * that belong to the window are counted when `includeUntimed` says they surely do.
   */
  summarize(from: number, to: number): WindowGcSummary {
    const summary: WindowGcSummary = { freedBytes: 0, count: 0, pauseMs: 0, forced: 0, byKind: {} };
    for (let i = this.#events.length - 1; i >= 0; i--) {
      const event = this.#events[i] as GcEvent;
      if (event.start >= to) continue;
      if (event.start < from) break;
      summary.freedBytes = (summary.freedBytes as number) + event.freedBytes;
      summary.count++;
      summary.pauseMs += event.pauseMs;
      if (event.forced) summary.forced++;
      const bucket = summary.byKind[event.kind] ?? { count: 0, pauseMs: 0 };
      bucket.count++;
      bucket.pauseMs += event.pauseMs;
      summary.byKind[event.kind] = bucket;
    }
    if (from < this.#prunedBefore) {
      summary.freedBytes = null;
      summary.unavailable = 'the window is older than the GC history ramflow keeps';
    } else if (this.#gaps.some((gap) => gap.at >= from && gap.at < to)) {
      summary.freedBytes = null;
      summary.unavailable = 'a garbage collection in this window was missed while ramflow restarted its GC profiler';
    }
    return summary;
  }

  /**
   * For figures needed before the window is settled: collections measured by a settle but not yet timed by the
   * observer. Each happened after the restart that opened its batch. A window opened during batch `openBatch`
   * surely contains those of later batches; those of `openBatch` itself only if the window opened right at a
   * settle (`openedAtSettle`), with nothing allocated in between.
   */
  untimedSince(openBatch: number, openedAtSettle: boolean): { freedBytes: number; count: number; pauseMs: number; certain: boolean } {
    let freedBytes = 0;
    let pauseMs = 0;
    let certain = true;
    let count = 0;
    for (const gc of this.#measured) {
      if (gc.batchStart < openBatch) continue;
      if (gc.batchStart === openBatch && !openedAtSettle) certain = false;
      freedBytes += gc.freedBytes;
      pauseMs += gc.pauseMs;
      count++;
    }
    return { freedBytes, count, pauseMs, certain };
  }
}

const REGISTRY_KEY = Symbol.for('ramflow.gc-ledger');

/**
 * The process's ledger, shared through globalThis so the ESM and CommonJS builds loaded in one process use a
 * single profiler and observer.
 */
export function sharedGcLedger(): GcLedger {
  const registry = globalThis as unknown as Record<symbol, GcLedger | undefined>;
  let ledger = registry[REGISTRY_KEY];
  // A ledger disposed by its last user is dropped from the registry; the next user starts a fresh one.
  if (ledger === undefined) {
    ledger = new GcLedger();
    registry[REGISTRY_KEY] = ledger;
  }
  return ledger;
}
