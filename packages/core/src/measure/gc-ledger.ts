// This file is long because the ledger's two sources (the GC observer and the budgeted GC profiler) and the pairing that joins
// them keep invariants that only make sense read together; `pairMeasured` is exported for its tests.
import { constants, PerformanceObserver, performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import { ownHandle } from '../own/handles.js';

/**
 * Process-wide record of garbage collections: when each one happened (exact), what kind it was, how long it
 * paused, and how many bytes it freed. Shared by every request window, so a window costs two heap-statistics
 * reads and nothing else on the request path.
 *
 * - Timing comes from a `gc` PerformanceObserver: cheap, leak-free, delivered one loop turn after the GC.
 *   A window with no GC inside it has `allocated = used(end) - used(start)` exactly (GCs stop the world, so a GC
 *   is wholly between two reads on the main thread).
 * - Freed bytes come from `v8.GCProfiler`, which only reports on `stop()`. On Node 20 a stopped profiler keeps
 *   its GC callbacks (they are removed by its destructor, i.e. at the next full GC), and each live-or-dead
 *   profiler adds ~8 µs to every GC: restarting per request or per batch made scavenges 30x slower here. So the
 *   profiler is restarted under a budget (at most MAX_UNCOLLECTED stopped profilers not yet collected by a
 *   major GC), and its measurements are paired, in order, with the observer's events (pairMeasured).
 * - A running profiler holds every GC's record (before/after heap statistics, ~3-5 KB of JSON each) in native
 *   memory until it is stopped; so it is read at least every MAX_UNREAD_GCS collections, needed or not.
 * - Collections ramflow forces itself are measured synchronously around the `gc()` call.
 * - The used heap must grow by exactly what is allocated between two collections, which V8's allocation-buffer
 *   parking breaks: when an object does not fit in the rest of a young-generation page (ramflow's 128 KB boundary
 *   markers, or any large array of the app's), V8 moves to a fresh page and "parks" the rest of the old one;
 *   once the young generation is full it allocates into parked rests before collecting, and `used_heap_size`
 *   (computed from the current allocation top) then drops by what the page held. A window ending there read up to
 *   1.2 MB of its 2 MB as not allocated, with no collection in it (1 in 7 windows in a loop with markers, on Node
 *   20 to 26). So the ledger turns parking off for the process (`--no-allocation-buffer-parking`, effective at
 *   run time): the rest of a page is then left unused until the next scavenge, which collects a little earlier.
 */

export type GcKind =
  | 'scavenge'
  | 'minor-mark-sweep'
  | 'mark-compact'
  | 'incremental-marking'
  | 'weak-callbacks';

export interface GcEvent {
  /** performance.now() time the collection started. */
  start: number;
  kind: GcKind;
  pauseMs: number;
  /** Bytes of JS heap the collection freed; undefined until measured; null when it can no longer be known. */
  freedBytes: number | null | undefined;
  forced: boolean;
}

/** A collection the GC profiler measured, in the batch [batchStart, batchEnd) of one profiler's run. */
export interface MeasuredGc {
  kind: GcKind;
  freedBytes: number;
  /** performance.now() just after the profiler that measured this GC started. */
  batchStart: number;
  /** performance.now() just before that profiler was stopped. */
  batchEnd: number;
}

interface ProfilerStatistic {
  gcType: string;
  cost: number;
  beforeGC: { heapStatistics: { usedHeapSize: number } };
  afterGC: { heapStatistics: { usedHeapSize: number } };
}

interface ForcedCollection {
  from: number;
  until: number;
  freedBytes: number;
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

/** Stopped GC profilers allowed to wait for a major GC to collect them (each costs ~8 µs per GC meanwhile). */
export const MAX_UNCOLLECTED = 4;
/**
 * Collections after which a running profiler is read even when no window needs the bytes (budget permitting):
 * it keeps each one's record in native memory until stopped (~3-5 KB, so ~2 MB here).
 */
export const MAX_UNREAD_GCS = 500;
/** Most events kept; windows reaching further back lose their byte figures. */
const MAX_EVENTS = 50_000;

export interface WindowGcSummary {
  count: number;
  pauseMs: number;
  forced: number;
  byKind: Record<string, { count: number; pauseMs: number }>;
  /** Bytes freed by GCs that started in the window, counting only those measured so far. */
  freedKnownBytes: number;
  /** GCs in the window whose freed bytes are not measured yet. */
  unmeasured: number;
  /** A GC in the window whose bytes can never be known (missed during a restart, or history pruned). */
  lost: boolean;
}

export class GcLedger {
  #profiler: v8.GCProfiler | undefined = ownHandle(new v8.GCProfiler());
  #batchStart: number;
  readonly #observer: PerformanceObserver;
  #events: GcEvent[] = [];
  /** Index of the first event whose bytes are not yet assigned (or decided lost). */
  #cursor = 0;
  #measured: MeasuredGc[] = [];
  #forced: ForcedCollection[] = [];
  /** Stop times of profilers that a major GC has not collected yet. */
  #uncollected: number[] = [];
  /** Start of the incremental marking that precedes the next mark-compact, if one is under way. */
  #markingSince: number | undefined;
  #prunedBefore = Number.NEGATIVE_INFINITY;
  #users = 0;
  #disposed = false;
  /** Collections observed since the profiler was last read, and whether it is being read now. */
  #unread = 0;
  #reading = false;
  readonly #maxUnread: number;
  /** Changes whenever the ledger learns something (new events, measured bytes): pending windows are re-checked only then. */
  version = 0;

  /** `maxUnreadGcs` is for tests (default MAX_UNREAD_GCS). */
  constructor(options: { maxUnreadGcs?: number } = {}) {
    disableAllocationBufferParking();
    this.#maxUnread = options.maxUnreadGcs ?? MAX_UNREAD_GCS;
    this.#observer = new PerformanceObserver((list) => this.#take(list.getEntries()));
    this.#observer.observe({ entryTypes: ['gc'] });
    // Started first: a collection while start() runs began before the batch and is not counted in it.
    this.#profiler?.start();
    this.#batchStart = performance.now();
  }

  acquire(): void {
    this.#users++;
  }

  release(): void {
    this.#users--;
    if (this.#users <= 0) this.dispose();
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#observer.disconnect();
    this.#profiler?.stop();
    this.#profiler = undefined;
    const registry = globalThis as unknown as Record<symbol, GcLedger | undefined>;
    if (registry[REGISTRY_KEY] === this) registry[REGISTRY_KEY] = undefined;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /** Pulls GC entries the observer has buffered but not yet dispatched (they arrive a loop turn after the GC). */
  catchUp(): void {
    this.#take(this.#observer.takeRecords());
  }

  #take(entries: ReadonlyArray<PerformanceEntry>): void {
    if (entries.length === 0) return;
    for (const entry of entries) {
      const detail = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail;
      const kind = OBSERVER_KINDS[detail?.kind ?? -1] ?? 'scavenge';
      const forced = this.#forcedAt(entry.startTime);
      this.#events.push({
        start: entry.startTime,
        kind,
        pauseMs: entry.duration,
        freedBytes: undefined,
        forced: forced !== undefined,
      });
      if (kind === 'incremental-marking') {
        this.#markingSince ??= entry.startTime;
      } else if (kind === 'mark-compact') {
        // Profilers stopped before this collection's marking began are garbage it has collected.
        const markedFrom = Math.min(this.#markingSince ?? entry.startTime, entry.startTime);
        this.#uncollected = this.#uncollected.filter((stoppedAt) => stoppedAt >= markedFrom);
        this.#markingSince = undefined;
      }
    }
    this.version++;
    this.#unread += entries.length;
    this.#pair();
    if (this.#events.length > MAX_EVENTS) {
      const drop = this.#events.length - MAX_EVENTS;
      this.#prunedBefore = (this.#events[drop] as GcEvent).start;
      this.#events.splice(0, drop);
      this.#cursor = Math.max(0, this.#cursor - drop);
    }
    // Bounds the running profiler's native record even when nothing asks for bytes (or none can be paired).
    if (this.#unread >= this.#maxUnread && !this.#reading) this.measure();
  }

  #forcedAt(time: number): ForcedCollection | undefined {
    for (let i = this.#forced.length - 1; i >= 0; i--) {
      const forced = this.#forced[i] as ForcedCollection;
      if (time >= forced.from && time <= forced.until) return forced;
    }
    return undefined;
  }

  /**
   * Runs `gc` (a full collection ramflow forces) and records what it freed, measured around the call. Returns
   * the used heap after it.
   */
  collect(gc: () => void): number {
    const from = performance.now();
    const before = v8.getHeapStatistics().used_heap_size;
    gc();
    const after = v8.getHeapStatistics().used_heap_size;
    this.#forced.push({ from, until: performance.now(), freedBytes: before - after });
    if (this.#forced.length > 1000) this.#forced.splice(0, this.#forced.length - 1000);
    // Everything stopped so far was unreachable when this full collection began.
    this.#uncollected = [];
    this.#markingSince = undefined;
    return after;
  }

  /** True when an observed collection awaits bytes that reading the running profiler would give. */
  get hasMeasurable(): boolean {
    for (let i = this.#events.length - 1; i >= this.#cursor; i--) {
      const event = this.#events[i] as GcEvent;
      if (event.start < this.#batchStart) break;
      if (event.freedBytes === undefined) return true;
    }
    return false;
  }

  /** True when the profiler can be restarted without exceeding the budget of uncollected profilers. */
  get canMeasure(): boolean {
    return this.#profiler !== undefined && this.#uncollected.length < MAX_UNCOLLECTED;
  }

  /**
   * Reads the profiler (stop, then start a new one) and assigns freed bytes to the observer's events. Returns
   * false, doing nothing, when the budget does not allow a restart.
   */
  measure(): boolean {
    if (!this.canMeasure) return false;
    this.#reading = true;
    try {
      this.catchUp();
    } finally {
      this.#reading = false;
    }
    const batchStart = this.#batchStart;
    const stoppedAt = performance.now();
    const data = this.#profiler?.stop() as { statistics: ProfilerStatistic[] } | undefined;
    this.#uncollected.push(stoppedAt);
    // Node holds a profiler natively until it is collected: a heap snapshot must know it is ramflow's.
    this.#profiler = ownHandle(new v8.GCProfiler());
    this.#profiler.start();
    this.#batchStart = performance.now();
    this.#unread = 0;
    for (const statistic of data?.statistics ?? []) {
      this.#measured.push({
        kind: PROFILER_KINDS[statistic.gcType] ?? 'scavenge',
        freedBytes:
          statistic.beforeGC.heapStatistics.usedHeapSize - statistic.afterGC.heapStatistics.usedHeapSize,
        batchStart,
        batchEnd: stoppedAt,
      });
    }
    this.version++;
    this.#pair();
    return true;
  }

  #pair(): void {
    this.#cursor = pairMeasured(this.#events, this.#cursor, this.#measured, (start) => this.#forcedAt(start));
    // Forced collections need no profiler: settle them as soon as they are observed.
    for (let i = this.#cursor; i < this.#events.length; i++) {
      const event = this.#events[i] as GcEvent;
      if (event.freedBytes === undefined && event.forced)
        event.freedBytes = this.#forcedAt(event.start)?.freedBytes;
    }
  }

  /** Index of the first event starting at or after `time` (events are in time order). */
  #firstAtOrAfter(time: number): number {
    let low = 0;
    let high = this.#events.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.#events[mid] as GcEvent).start < time) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** GC activity of the window [from, to), from what is known now. */
  summarize(from: number, to: number): WindowGcSummary {
    const summary: WindowGcSummary = {
      count: 0,
      pauseMs: 0,
      forced: 0,
      byKind: {},
      freedKnownBytes: 0,
      unmeasured: 0,
      lost: from < this.#prunedBefore,
    };
    const end = this.#firstAtOrAfter(to);
    for (let i = this.#firstAtOrAfter(from); i < end; i++) {
      const event = this.#events[i] as GcEvent;
      summary.count++;
      summary.pauseMs += event.pauseMs;
      if (event.forced) summary.forced++;
      const bucket = summary.byKind[event.kind] ?? { count: 0, pauseMs: 0 };
      bucket.count++;
      bucket.pauseMs += event.pauseMs;
      summary.byKind[event.kind] = bucket;
      if (event.freedBytes === undefined) summary.unmeasured++;
      else if (event.freedBytes === null) summary.lost = true;
      else summary.freedKnownBytes += event.freedBytes;
    }
    return summary;
  }

  /** Forget events older than every window still open or pending. */
  forgetBefore(time: number): void {
    let drop = 0;
    while (drop < this.#events.length && drop < this.#cursor && (this.#events[drop] as GcEvent).start < time)
      drop++;
    if (drop > 0) {
      // A window still open from before `time` (a long stream, say) must learn that its history is gone.
      this.#prunedBefore = Math.max(
        this.#prunedBefore,
        (this.#events[drop - 1] as GcEvent).start + Number.EPSILON,
      );
      this.#events.splice(0, drop);
      this.#cursor -= drop;
    }
    while (this.#forced.length > 0 && (this.#forced[0] as ForcedCollection).until < time)
      this.#forced.shift();
  }
}

/**
 * Pairs measured GCs (consumed from the front of `measured`) with observed events from `cursor` on, in order, and
 * returns the new cursor. Both sources see the same collections, in the same order (Node guards both against
 * re-entrant GC callbacks alike): the events that started within a batch [batchStart, batchEnd) are exactly that
 * batch's measurements, kind for kind. An event outside every batch (it fell between a stop and a start) gets
 * null, unless ramflow forced it and measured it itself. A measurement is dropped once an event from after its
 * batch arrives, so one that cannot be paired never lingers to be paired with later collections. Pauses are not
 * compared: the observer's and the profiler's timings of one GC differ by up to several ms under load.
 */
export function pairMeasured(
  events: GcEvent[],
  cursor: number,
  measured: MeasuredGc[],
  forcedAt: (start: number) => { freedBytes: number } | undefined,
): number {
  while (measured.length > 0 && cursor < events.length) {
    const event = events[cursor] as GcEvent;
    const head = measured[0] as MeasuredGc;
    if (event.start >= head.batchEnd) {
      // Its batch is over and its collection was not among the events: it belongs to no later one.
      measured.shift();
      continue;
    }
    if (event.start < head.batchStart || !sameKind(event, head)) {
      // The observer saw a collection the profiler did not (it fell between a stop and a start).
      event.freedBytes ??= forcedAt(event.start)?.freedBytes ?? null;
      cursor++;
      continue;
    }
    // A collection ramflow forced was measured around the call; the profiler's figure is the same GC.
    event.freedBytes ??= head.freedBytes;
    cursor++;
    measured.shift();
  }
  return cursor;
}

function sameKind(event: GcEvent, measured: MeasuredGc): boolean {
  return event.kind === measured.kind || (event.kind === 'scavenge' && measured.kind === 'minor-mark-sweep');
}

let parkingDisabled = false;

/** Makes `used_heap_size` exact between collections (see the class comment); once per process. */
function disableAllocationBufferParking(): void {
  if (parkingDisabled) return;
  parkingDisabled = true;
  try {
    v8.setFlagsFromString('--no-allocation-buffer-parking');
  } catch {
    // A runtime without the flag has no parking to turn off.
  }
}

const REGISTRY_KEY = Symbol.for('ramflow.gc-ledger');

/**
 * The process's ledger, shared through globalThis so the ESM and CommonJS builds loaded in one process use a
 * single observer and profiler. A ledger disposed by its last user is dropped; the next user starts afresh.
 */
export function sharedGcLedger(): GcLedger {
  const registry = globalThis as unknown as Record<symbol, GcLedger | undefined>;
  let ledger = registry[REGISTRY_KEY];
  if (ledger === undefined || ledger.disposed) {
    ledger = new GcLedger();
    registry[REGISTRY_KEY] = ledger;
  }
  return ledger;
}

/** The process's ledger while one is running (some instance holds it), else undefined: asking starts nothing. */
export function activeGcLedger(): GcLedger | undefined {
  const ledger = (globalThis as unknown as Record<symbol, GcLedger | undefined>)[REGISTRY_KEY];
  return ledger === undefined || ledger.disposed ? undefined : ledger;
}
