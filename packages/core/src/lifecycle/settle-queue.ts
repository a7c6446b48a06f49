import { performance } from 'node:perf_hooks';
import type { CounterWindow } from '../measure/counter-window.js';
import { getForceGc } from '../measure/force-gc.js';
import type { GcLedger, WindowGcSummary } from '../measure/gc-ledger.js';

/** How long finished requests wait before their GC accounting is settled in one batch. */
const SETTLE_DELAY_MS = 10;
/** Retry interval while the GC-profiler budget is spent. */
const IDLE_RETRY_MS = 250;
/** No profiled request for this long counts as idle (a full collection then costs no request anything). */
const IDLE_MS = 200;
/** At most one budget-freeing full collection per this interval. */
const CLEANUP_INTERVAL_MS = 1000;
/** Give up waiting for a window's GC measurements after this long (the record says why). */
const SETTLE_GIVE_UP_MS = 30_000;
/** Most finished-but-unsettled requests held; beyond it they are finalized at once. */
const MAX_PENDING = 2_000;
/** Records settled within this many ms share one reading of the process's RSS and ArrayBuffers. */
const PROCESS_READING_MS = 50;
export const GIVE_UP_REASON =
  'its garbage collections were not measured in time: the GC profiler can only be read again once V8 has collected earlier readings, which needs a full collection or an idle moment';

/** A finished request waiting for its GC accounting. */
export interface Settling {
  readonly counters: CounterWindow;
  /** performance.now() when it finished. */
  readonly finishedAt: number;
}

/** RSS and ArrayBuffers: process figures one reading of which serves every record settled close to it. */
export interface ProcessFigures {
  rss: number;
  arrayBuffers: number;
}

export interface SettleQueueHost<T extends Settling> {
  /** The process's GC ledger (acquired on first use). */
  ledger(): GcLedger;
  /** Profiled requests in flight now. */
  readonly activeCount: number;
  /**
   * Completes and stores the record of a settled request. `unavailable` says why its allocation is unknown when
   * it could not be settled in time.
   */
  complete(
    item: T,
    summary: WindowGcSummary,
    processFigures: ProcessFigures | undefined,
    unavailable: string | undefined,
  ): Promise<void>;
}

/**
 * Finished requests whose windows wait for their garbage collections to be measured, settled in batches off the
 * request path. A window with no collection inside it is exact at once; one with collections waits until the
 * GC profiler is read (restarts are budgeted, see GcLedger), which may need a full collection while the app is
 * idle to free the budget. Bounded: past MAX_PENDING the oldest is stored with the reason it is unknown.
 */
export class SettleQueue<T extends Settling> {
  readonly #host: SettleQueueHost<T>;
  #pending: T[] = [];
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #lastActivity = 0;
  /** Ledger version when the pending windows were last examined, and how many of them were examined then. */
  #examinedVersion = -1;
  #examinedCount = 0;
  #lastProcessReading: { at: number; figures: ProcessFigures } | undefined;
  #lastCleanup = Number.NEGATIVE_INFINITY;
  /** Records being completed (a backend's data or a heap snapshot's analysis can take a while): `settled` waits. */
  readonly #storing = new Set<Promise<void>>();

  constructor(host: SettleQueueHost<T>) {
    this.#host = host;
  }

  /** Finished requests not yet settled. */
  get size(): number {
    return this.#pending.length;
  }

  /** Queues a finished request; it is settled within SETTLE_DELAY_MS when its collections are measured. */
  add(item: T): void {
    this.#lastActivity = performance.now();
    this.#pending.push(item);
    if (this.#pending.length > MAX_PENDING) {
      // Bounded: the oldest waiting window is finalized now, with the reason its allocation is unknown.
      const oldest = this.#pending.shift() as T;
      this.#examinedCount = Math.max(0, this.#examinedCount - 1);
      void this.#store(oldest, oldest.counters.gcSummary(), undefined, GIVE_UP_REASON);
    }
    this.#schedule(SETTLE_DELAY_MS);
  }

  /** Stores a record outside the queue (a request that was never measured), tracked by `settled`. */
  track(storing: Promise<void>): Promise<void> {
    this.#storing.add(storing);
    return storing.finally(() => this.#storing.delete(storing));
  }

  #schedule(delay: number): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const firedAt = performance.now();
      // In the check phase that follows, the GC observer has delivered every collection before `firedAt`.
      setImmediate(() => void this.drain({ force: false, mayCollect: false, horizon: firedAt }));
    }, delay);
    this.#timer.unref();
  }

  /**
   * Settles what can be settled now and stores those records. `force` stores every pending one (those still
   * unmeasured with the reason); `mayCollect` allows a full collection to free the GC-profiler budget (someone
   * is looking at the data); `horizon`: only windows that ended before it are settled (the GC observer has
   * delivered every collection before it).
   */
  drain(how: { force: boolean; mayCollect: boolean; horizon?: number }): Promise<void> {
    if (this.#pending.length === 0) return Promise.resolve();
    const ledger = this.#host.ledger();
    ledger.catchUp();
    const horizon = how.horizon ?? performance.now();
    // Windows already examined wait for the ledger to learn something new; only fresh ones are looked at now.
    const unchanged = ledger.version === this.#examinedVersion && !how.force;
    const fresh = unchanged ? this.#pending.slice(this.#examinedCount) : this.#pending;
    const needsBytes = fresh.some(
      (item) => item.counters.t1 < horizon && item.counters.gcSummary().unmeasured > 0,
    );
    if ((needsBytes || this.#examinedCount > 0) && ledger.hasMeasurable) {
      if (!ledger.canMeasure && this.#mayCollectNow(how.mayCollect)) {
        this.#lastCleanup = performance.now();
        ledger.collect(getForceGc());
      }
      ledger.measure();
    }
    const now = performance.now();
    const ready: Array<[T, WindowGcSummary, string | undefined]> = [];
    const waiting: T[] = [];
    const examine = ledger.version !== this.#examinedVersion || how.force ? this.#pending : fresh;
    const skipped = examine === this.#pending ? [] : this.#pending.slice(0, this.#examinedCount);
    for (const item of skipped) {
      if (now - item.finishedAt > SETTLE_GIVE_UP_MS)
        ready.push([item, item.counters.gcSummary(), GIVE_UP_REASON]);
      else waiting.push(item);
    }
    for (const item of examine) {
      const summary = item.counters.gcSummary();
      if (item.counters.t1 < horizon && summary.unmeasured === 0) ready.push([item, summary, undefined]);
      else if (how.force || now - item.finishedAt > SETTLE_GIVE_UP_MS)
        ready.push([item, summary, GIVE_UP_REASON]);
      else waiting.push(item);
    }
    this.#pending = waiting;
    this.#examinedVersion = ledger.version;
    this.#examinedCount = waiting.length;
    if (waiting.length > 0) this.#schedule(ledger.canMeasure ? SETTLE_DELAY_MS : IDLE_RETRY_MS);
    const oldest = waiting.reduce((min, item) => Math.min(min, item.counters.t0), now - SETTLE_GIVE_UP_MS);
    ledger.forgetBefore(oldest - 1000);
    if (ready.length === 0) return Promise.resolve();
    const processFigures = this.#processFigures(now);
    return Promise.all(
      ready.map(([item, summary, reason]) => this.#store(item, summary, processFigures, reason)),
    ).then(() => undefined);
  }

  /** Waits for every record being completed (including those a timer started before this call). */
  async settled(): Promise<void> {
    while (this.#storing.size > 0) await Promise.all([...this.#storing]);
  }

  /**
   * RSS and ArrayBuffers are process figures, not per-request ones: one reading serves every record settled
   * within PROCESS_READING_MS of it (a `process.memoryUsage()` call costs 10-20 µs, and under load batches are
   * small).
   */
  #processFigures(now: number): ProcessFigures | undefined {
    const last = this.#lastProcessReading;
    if (last !== undefined && now - last.at < PROCESS_READING_MS) return last.figures;
    try {
      const usage = process.memoryUsage();
      this.#lastProcessReading = { at: now, figures: { rss: usage.rss, arrayBuffers: usage.arrayBuffers } };
      return this.#lastProcessReading.figures;
    } catch {
      return undefined;
    }
  }

  /**
   * A full collection to free the GC-profiler budget: when asked (someone is looking at the data) or when no
   * profiled request has been in flight for a while; at most once per CLEANUP_INTERVAL_MS.
   */
  #mayCollectNow(asked: boolean): boolean {
    const now = performance.now();
    if (now - this.#lastCleanup < CLEANUP_INTERVAL_MS) return false;
    return asked || (this.#host.activeCount === 0 && now - this.#lastActivity >= IDLE_MS);
  }

  #store(
    item: T,
    summary: WindowGcSummary,
    processFigures: ProcessFigures | undefined,
    unavailable: string | undefined,
  ): Promise<void> {
    return this.track(this.#host.complete(item, summary, processFigures, unavailable));
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
