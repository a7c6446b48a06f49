import { totalmem } from 'node:os';
import { constants, PerformanceObserver, performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import { getForceGc } from '../measure/force-gc.js';
import { activeGcLedger, type GcLedger } from '../measure/gc-ledger.js';
import { plural } from '../plural.js';
import { bootstrapReport } from '../preload/bootstrap.js';
import type { CgroupMemory, IntegrityAudit, ProcessReport, RequestRecord } from '../types.js';
import { readCgroupMemory } from './cgroup.js';
import { heapBreakdown } from './heap-breakdown.js';
import { LeakTrend } from './leak-trend.js';
import { expansionFactor, safetyMargin, suggestedContainerLimit } from './memory-limits.js';
import { Timeline } from './timeline.js';

/** A timeline sample this often while ramflow runs (a `process.memoryUsage()` read, ~12 µs). */
const SAMPLE_INTERVAL_MS = 1000;
/**
 * The timeline sampler and GC observer stop after this long without a profiled request or a look at the report,
 * and start again with the next one (the chart then shows the gap).
 */
const IDLE_STOP_MS = 10 * 60_000;
/**
 * The leak trend needs the used heap after full collections, and V8 runs few of them while memory is plentiful
 * (2 in 200 requests that each leaked 1 MB, measured). So ramflow forces one when at least PROBE_IDLE_REQUESTS
 * requests finished since the last point and the app then stayed idle (no profiled request started or in flight)
 * for PROBE_IDLE_MS: the collection delays no request but one arriving during it, as ramflow's idle cleanups do.
 * Under sustained load the app is never idle and only V8's own full collections count: forcing them there, even
 * under a 2% time budget, halved Fastify's throughput on a trivial route (bench/overhead.mjs), so it does not.
 */
const PROBE_IDLE_REQUESTS = 20;
const PROBE_IDLE_MS = 10;

/** What the insights need to know about ramflow's requests: how many are in flight, and how many started so far. */
export interface RequestActivity {
  inFlight: number;
  started: number;
}
/** Recent requests the allocation rate is computed over. */
const RATE_WINDOW = 256;

/**
 * The whole-process view (SPEC §5): footprint and package costs at bootstrap, peak RSS and the safety margin under
 * the container's limit, allocation rate, heap spaces, a leak trend from the used heap after full collections
 * across requests, a bounded memory timeline, and integrity audits on demand. Fed by ramflow's request lifecycle;
 * everything it keeps is bounded.
 */
export class ProcessInsights {
  readonly timeline = new Timeline();
  readonly leak = new LeakTrend();
  #audit: IntegrityAudit | null = null;
  #cgroup: CgroupMemory | undefined | null = null;
  readonly #rates: Array<{ start: number; end: number; bytes: number }> = [];
  #sampler: NodeJS.Timeout | undefined;
  #observer: PerformanceObserver | undefined;
  #requestsSincePoint = 0;
  #idleTimer: NodeJS.Timeout | undefined;
  #closed = false;

  #lastActivity = 0;
  /** ramflow's own spikes: the process's peak RSS just before the first one, and how many there were. */
  #ownSpikes = 0;
  #peakBeforeOwn: number | undefined;

  constructor(
    /** The GC ledger when one is running (a forced collection is then recorded in it), else undefined. */
    readonly ledger: () => GcLedger | undefined,
    readonly activity: () => RequestActivity = () => ({ inFlight: 0, started: 0 }),
  ) {
    this.#wake();
  }

  /** Starts the timeline sampler and the GC observer if they were stopped (or never started). */
  #wake(): void {
    this.#lastActivity = performance.now();
    if (this.#closed || this.#sampler !== undefined) return;
    this.#sample();
    this.#sampler = setInterval(() => this.#sample(), SAMPLE_INTERVAL_MS);
    this.#sampler.unref();
    try {
      this.#observer = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) this.#onGc(entry);
      });
      this.#observer.observe({ entryTypes: ['gc'] });
    } catch {
      this.#observer = undefined;
    }
  }

  /** Nobody has profiled a request or looked at the report for IDLE_STOP_MS: nothing keeps running. */
  #sleep(): void {
    if (this.#sampler !== undefined) clearInterval(this.#sampler);
    this.#sampler = undefined;
    this.#observer?.disconnect();
    this.#observer = undefined;
  }

  /**
   * A profiled request's response finished (`route` is `METHOD /path`). Cheap; may schedule a leak-trend point
   * after the current turn.
   */
  requestEnded(id: string, route: string): void {
    if (this.#closed) return;
    this.#wake();
    this.leak.noteRequest(route);
    this.timeline.mark({ at: Date.now(), kind: 'request', label: route, id });
    this.#requestsSincePoint++;
    this.#maybeProbe();
  }

  /**
   * ramflow is about to take a heap snapshot (RSS rises by several times the heap): the peak so far is the app's;
   * what the process reaches from now on includes ramflow's own memory.
   */
  ownSpikeStarted(): void {
    this.#ownSpikes++;
    try {
      this.#peakBeforeOwn ??= Math.max(process.resourceUsage().maxRSS * 1024, process.memoryUsage.rss());
    } catch {
      this.#peakBeforeOwn ??= 0;
    }
  }

  /** A request's record was stored: its settled allocation counts in the allocation rate, at the time it ran. */
  recordStored(record: RequestRecord): void {
    const bytes = record.memory.allocatedBytes;
    if (this.#closed || bytes === null) return;
    const start = Date.parse(record.startedAt);
    this.#rates.push({ start, end: start + record.durationMs, bytes });
    if (this.#rates.length > RATE_WINDOW) this.#rates.shift();
  }

  /**
   * Forces a full collection and compares the used heap left with the app-ready baseline: SECURE when the
   * residual is within the tolerance, BLOATED otherwise, with the numbers.
   */
  audit(): IntegrityAudit {
    const began = performance.now();
    const heapUsedBytes = this.#collect();
    const collectionMs = performance.now() - began;
    this.#addPoint(heapUsedBytes);
    const boot = bootstrapReport();
    const baselineFootprint = boot.appReady ?? boot.bootstrap;
    const baseline = boot.appReady
      ? 'app ready'
      : boot.source === 'preload'
        ? 'bootstrap'
        : "ramflow's import";
    const baselineHeapBytes = baselineFootprint.heapUsedBytes;
    const residualBytes = heapUsedBytes - baselineHeapBytes;
    const toleranceBytes = Math.max(8 * 1024 * 1024, Math.round(baselineHeapBytes * 0.2));
    const verdict = residualBytes <= toleranceBytes ? 'SECURE' : 'BLOATED';
    const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
    this.#audit = {
      at: new Date().toISOString(),
      verdict,
      heapUsedBytes,
      baselineHeapBytes,
      baseline,
      residualBytes,
      toleranceBytes,
      collectionMs: Math.round(collectionMs * 100) / 100,
      explanation:
        verdict === 'SECURE'
          ? `After a full collection the heap holds ${mb(heapUsedBytes)}, ${mb(residualBytes)} over the ${baseline} baseline (${mb(baselineHeapBytes)}): within the ${mb(toleranceBytes)} tolerance.`
          : `After a full collection the heap still holds ${mb(heapUsedBytes)}, ${mb(residualBytes)} over the ${baseline} baseline (${mb(baselineHeapBytes)}), above the ${mb(toleranceBytes)} tolerance: something the requests created stays alive. See the leak trend and ask a suspect request for heap snapshots (?ramflow=snapshot).`,
    };
    return this.#audit;
  }

  report(): ProcessReport {
    this.#wake();
    const usage = process.memoryUsage();
    const processPeak = Math.max(process.resourceUsage().maxRSS * 1024, usage.rss);
    const peakBefore = this.#peakBeforeOwn;
    const peakRssBytes = peakBefore ?? processPeak;
    const ownPeaks =
      peakBefore === undefined
        ? null
        : {
            snapshots: this.#ownSpikes,
            processPeakRssBytes: processPeak,
            peakBeforeRssBytes: peakBefore,
            note:
              `ramflow took ${plural(this.#ownSpikes, 'heap snapshot')} in this process; ` +
              'each raises RSS by several times the heap (V8 serializes it, the worker parses it), and the allocator ' +
              "may keep that memory afterwards. The peak, the suggested limit and the expansion factor leave ramflow's " +
              'snapshots out: they use the peak before the first one (growth of the app since then is not in them).',
          };
    if (this.#cgroup === null) this.#cgroup = readCgroupMemory();
    const cgroup = readCgroupMemory() ?? this.#cgroup;
    const constrained =
      typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : undefined;
    const boot = bootstrapReport();
    const ready = boot.appReady ?? boot.bootstrap;
    // Over the wall time from the first of the recent requests' start to the last one's end.
    let from = Number.POSITIVE_INFINITY;
    let to = Number.NEGATIVE_INFINITY;
    let bytes = 0;
    for (const rate of this.#rates) {
      from = Math.min(from, rate.start);
      to = Math.max(to, rate.end);
      bytes += rate.bytes;
    }
    const windowMs = this.#rates.length > 0 ? Math.max(0, Math.round(to - from)) : 0;
    return {
      at: new Date().toISOString(),
      uptimeMs: Math.round(process.uptime() * 1000),
      bootstrap: boot,
      memory: {
        rssBytes: usage.rss,
        peakRssBytes,
        suggestedLimitBytes: suggestedContainerLimit(peakRssBytes),
        safetyMargin: safetyMargin({
          rssBytes: usage.rss,
          cgroup,
          constrainedMemory: constrained,
          hostTotalBytes: totalmem(),
        }),
        expansionFactor: expansionFactor(peakRssBytes, ready.rssBytes) ?? null,
        cgroup: cgroup ?? null,
        ownPeaks,
      },
      allocationRate: {
        bytesPerSecond: windowMs > 0 ? Math.round((bytes / windowMs) * 1000) : null,
        requests: this.#rates.length,
        windowMs,
      },
      heap: heapBreakdown(),
      leak: {
        ...this.leak.assess(),
        method: `used heap after full collections: V8's own, and one ramflow forces after ${PROBE_IDLE_REQUESTS} requests once the app has been idle for ${PROBE_IDLE_MS} ms (never under sustained load)`,
      },
      timeline: this.timeline.toJSON(),
      audit: this.#audit,
    };
  }

  /** A forced full collection, recorded in the running GC ledger if there is one; the used heap after it. */
  #collect(): number {
    const gc = getForceGc();
    const ledger = this.ledger();
    if (ledger !== undefined) return ledger.collect(gc);
    gc();
    return v8.getHeapStatistics().used_heap_size;
  }

  close(): void {
    this.#closed = true;
    if (this.#sampler !== undefined) clearInterval(this.#sampler);
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
    this.#observer?.disconnect();
  }

  #sample(): void {
    if (performance.now() - this.#lastActivity >= IDLE_STOP_MS) {
      this.#sleep();
      return;
    }
    try {
      const usage = process.memoryUsage();
      this.timeline.sample({
        at: Date.now(),
        rssBytes: usage.rss,
        heapUsedBytes: usage.heapUsed,
        externalBytes: usage.external,
      });
    } catch {
      // A failed reading leaves a gap in the timeline, nothing more.
    }
  }

  #onGc(entry: PerformanceEntry): void {
    const detail = (entry as { detail?: { kind?: number } }).detail;
    const major = detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR;
    // Full collections, and any collection long enough to notice, are marked on the timeline.
    if (major || entry.duration >= 5) {
      this.timeline.mark({
        at: Math.round(performance.timeOrigin + entry.startTime),
        kind: 'gc',
        label: major ? 'mark-compact' : 'long pause',
        detail: `${entry.duration.toFixed(1)} ms`,
      });
    }
    // V8's own full collection: the used heap now (a loop turn later) is a point of the leak trend.
    if (major && this.#requestsSincePoint > 0) this.#addPoint(v8.getHeapStatistics().used_heap_size);
  }

  #addPoint(heapBytes: number): void {
    this.leak.addPoint(heapBytes);
    this.#requestsSincePoint = 0;
  }

  /** Schedules a forced full collection for the leak trend once the app is idle after enough requests. */
  #maybeProbe(): void {
    if (this.#requestsSincePoint < PROBE_IDLE_REQUESTS || this.#idleTimer !== undefined) return;
    const startedBefore = this.activity().started;
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      const now = this.activity();
      if (this.#closed || now.inFlight > 0 || now.started !== startedBefore) return;
      this.#probe();
    }, PROBE_IDLE_MS);
    this.#idleTimer.unref();
  }

  #probe(): void {
    try {
      this.#addPoint(this.#collect());
    } catch {
      // No point this time; the next idle moment tries again.
    }
  }
}

/** A ramflow instance, as the process view counts its requests. */
export interface ActivitySource {
  /** Profiled requests in flight. */
  readonly activeCount: number;
  /** Profiled requests started so far. */
  readonly startedCount: number;
}

interface SharedInsights {
  insights: ProcessInsights;
  sources: Set<WeakRef<ActivitySource>>;
  members: WeakSet<ActivitySource>;
}

const REGISTRY_KEY = Symbol.for('ramflow.process-insights');

function liveSources(shared: SharedInsights): ActivitySource[] {
  const live: ActivitySource[] = [];
  for (const ref of shared.sources) {
    const source = ref.deref();
    if (source === undefined) shared.sources.delete(ref);
    else live.push(source);
  }
  return live;
}

/**
 * The process's one view, shared by every ramflow instance in it (the process is one, whatever the number of
 * apps): one timeline sampler and one GC observer, not one per instance. Instances are held weakly, so an app
 * dropped without `close()` (one app per test, say) is collected with its ramflow; its requests stop counting.
 * The view itself stops its sampler when idle (IDLE_STOP_MS) and is closed when its last instance releases it.
 */
export function sharedProcessInsights(source: ActivitySource): ProcessInsights {
  const registry = globalThis as unknown as Record<symbol, SharedInsights | undefined>;
  let shared = registry[REGISTRY_KEY];
  if (shared === undefined) {
    const created: SharedInsights = {
      sources: new Set(),
      members: new WeakSet(),
      insights: new ProcessInsights(activeGcLedger, () => {
        let inFlight = 0;
        let started = 0;
        for (const live of liveSources(created)) {
          inFlight += live.activeCount;
          started += live.startedCount;
        }
        return { inFlight, started };
      }),
    };
    shared = created;
    registry[REGISTRY_KEY] = shared;
  }
  if (!shared.members.has(source)) {
    shared.members.add(source);
    shared.sources.add(new WeakRef(source));
  }
  return shared.insights;
}

/** An instance that closes stops counting; the last one closes the view. */
export function releaseProcessInsights(source: ActivitySource): void {
  const registry = globalThis as unknown as Record<symbol, SharedInsights | undefined>;
  const shared = registry[REGISTRY_KEY];
  if (shared === undefined || !shared.members.has(source)) return;
  shared.members.delete(source);
  for (const ref of shared.sources) if (ref.deref() === source) shared.sources.delete(ref);
  if (liveSources(shared).length === 0) {
    shared.insights.close();
    registry[REGISTRY_KEY] = undefined;
  }
}
