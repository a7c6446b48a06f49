// This file is long because it owns V8's one sampling heap profiler for the process: starting, adaptive interval, idle
// sleep and the windows that cut the profile per request share the profiler's state and its invariants.
import type { Session } from 'node:inspector';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import { formatBytes } from '../../format.js';
import { ownHandle } from '../../own/handles.js';
import type { AllocationProfile } from '../../types.js';
import { loadInspector, postSync } from '../inspector/inspector.js';
import { objectIdsHeld } from '../inspector/object-id-lease.js';
import { emitMarker, MARKER_SLOTS, markerArrays, markerMissProbability } from './boundary-markers.js';
import { type BoundaryEvent, cutProfile, type RawProfile, type WindowCut } from './profile-cut.js';
import { ProfileTreeBuilder } from './profile-tree.js';

/** One request window of the long-running profile. */
export interface ProfiledWindow extends WindowCut {
  /** Interval the window was sampled at. */
  readonly interval: number;
  readonly view: AllocationProfile['view'];
  /** The close marker was emitted (the response finished). */
  ended: boolean;
  /** Set once the window is resolved: its profile, or why it has none. */
  result: AllocationProfile | undefined;
  unavailable: string | undefined;
  resolved: boolean;
  waiters: Array<() => void>;
}

/** Rotate (fetch, which forces a full GC) once this many finished windows wait for their samples. */
const MAX_WAITING_WINDOWS = 500;
/**
 * Rotate once this many samples may have accumulated (~96 bytes of native memory each, measured; ~1.7 µs each
 * to fetch): the profiler keeps every sample until it is stopped, so this bounds its memory.
 */
const MAX_SAMPLES = 200_000;
/**
 * Stop sampling when no window has been open for this long: finished windows get their samples, and nothing keeps
 * accumulating while no request is profiled (samples of unprofiled work would otherwise pile up in native memory).
 */
const IDLE_STOP_MS = 1_000;
/** Bytes a request is assumed to allocate before any profiled request has been measured. */
const DEFAULT_REQUEST_BYTES = 64 * 1024;
const PARTLY_RETAINED_NOTE =
  'part of this request ran while another request was profiled for retained memory: what it allocated and freed in that part is missing';
/** After a retained window ends, wait this long before the fetch, so the framework drops the request's objects. */
const RETAINED_SETTLE_MS = 20;
/** How often the rotation and idle conditions are checked while the profiler runs. */
const CHECK_MS = 250;
/** Load governor: tick length, what counts as load, and what it does. */
const GOVERNOR_TICK_MS = 250;
const LOAD_BUSY_SHARE = 0.5;
const LOAD_REQUESTS_PER_TICK = 20;
const LOAD_INTERVAL_FACTOR = 32;
const LOAD_MIN_INTERVAL = 1024 * 1024;
/**
 * Under load, at most one profiled window per this many ms. At the coarse interval a boundary marker is 8 MiB of
 * arrays and costs ~2.5 ms (4 MiB measured 1.2 ms under load), so one window per second keeps markers near 0.5%
 * of the time.
 */
const LOAD_MARK_SPACING_MS = 1_000;
/** Return to the configured interval after this long without load. */
const LOAD_RELEASE_MS = 30_000;

export interface SamplerStats {
  /** Fetches of the profile (each forces a full garbage collection), and why they happened. */
  rotations: number;
  rotationsBy: {
    view: number;
    idle: number;
    bounds: number;
    governor: number;
    retained: number;
    shutdown: number;
  };
  /** Times the profiler was started for a profiled request after being stopped while idle. */
  starts: number;
  /** Times it was stopped because no request was profiled for a while. */
  idleStops: number;
  lastRotationMs: number;
  totalRotationMs: number;
  markersFound: number;
  markersMissed: number;
  samplesFetched: number;
}

/**
 * The process's one sampling heap profiler (V8 has one per isolate, shared by every inspector session), run
 * with garbage samples kept while requests are profiled, and cut into request windows by boundary markers. The
 * profile is fetched ("rotated": stopped, which returns it, and started again) only in batches: when someone
 * looks at the data, when the bounds on waiting windows and samples are reached, or when the app goes idle. A
 * fetch forces a full garbage collection whose cost grows with the live heap, so per-request cost stays flat.
 *
 * Nothing runs until a window opens: the first one connects the inspector session and starts sampling, and once
 * no window has been open for IDLE_STOP_MS the profiler is stopped and the session closed again (with the
 * include-collected flags V8 keeps every sample until then, so an idle or refusing ramflow would otherwise grow
 * without limit).
 */
export class SamplingProfiler {
  /** The interval asked for (by the first ramflow instance). */
  readonly interval: number;
  /** The interval in effect: `interval`, or the coarser one while the load governor is engaged. */
  #current: number;
  readonly stats: SamplerStats = {
    rotations: 0,
    rotationsBy: { view: 0, idle: 0, bounds: 0, governor: 0, retained: 0, shutdown: 0 },
    starts: 0,
    idleStops: 0,
    lastRotationMs: 0,
    totalRotationMs: 0,
    markersFound: 0,
    markersMissed: 0,
    samplesFetched: 0,
  };
  /** Connected while awake (a window is open or waited on); undefined while idle. */
  #session: Session | undefined;
  #epoch = 0;
  #running = false;
  #events: BoundaryEvent[] = [];
  readonly #windows = new Set<ProfiledWindow>();
  #seq = 0;
  #refs = 0;
  #open = 0;
  #waiting = 0;
  #lastEnd = 0;
  #estimatedSamples = 0;
  #timer: NodeJS.Timeout | undefined;
  #disposed = false;
  #adaptive = false;
  /** Turn V8's inlining off when sampling starts (an instance asked for every function's own frame). */
  #keepFrames = false;
  /** When inlining was turned off (process uptime, ms), or why it is on: the note every profile carries. */
  #inliningNote: string | undefined;
  /** Typical bytes a profiled request allocates (moving average), to bound the samples unprofiled ones add. */
  #typicalBytes = DEFAULT_REQUEST_BYTES;
  #governor: NodeJS.Timeout | undefined;
  #tickStart = 0;
  #busyMs = 0;
  #busySince = 0;
  #openedThisTick = 0;
  #loadedTicks = 0;
  #quietTicks = 0;
  #lastMarked = Number.NEGATIVE_INFINITY;
  /** The reason given to windows skipped under load, built once per interval (it is on the request path). */
  #skipReason = '';
  #mode: AllocationProfile['view'] = 'allocated';
  /** The mode the current epoch was started in. */
  #epochMode: AllocationProfile['view'] = 'allocated';
  #kept: unknown[][][] = [];
  /** Notes for windows of the current epoch (e.g. the profiler had been stopped under ramflow). */
  #restartNote: string | undefined;
  readonly #onExit = () => this.#stopNow();

  private constructor(interval: number) {
    this.interval = interval;
    this.#current = interval;
  }

  /** The interval in effect now. */
  get currentInterval(): number {
    return this.#current;
  }

  /** True while the load governor has coarsened sampling. */
  get underLoad(): boolean {
    return this.#current !== this.interval;
  }

  /** A profiler that starts sampling when its first window opens. */
  static create(interval: number): SamplingProfiler {
    return new SamplingProfiler(interval);
  }

  /**
   * Why the sampling profiler cannot run in this process now, or undefined when it can. Asks V8 through a
   * short-lived inspector session (nothing is left running); the process's own running profiler counts as free.
   */
  static unavailable(): string | undefined {
    const running = (globalThis as unknown as Record<symbol, SamplingProfiler | undefined>)[REGISTRY_KEY];
    if (running?.awake) return undefined;
    // The probe's session would disable the heap profiler on disconnect, resetting the ids a heap snapshot window
    // relies on (object-id-lease.ts): assume it is free; starting it says otherwise if it is not.
    if (objectIdsHeld()) return undefined;
    const session = SamplingProfiler.#connect();
    if (typeof session === 'string') return session;
    session.disconnect();
    return undefined;
  }

  /**
   * A connected inspector session with the heap profiler enabled, or why there is none: the inspector is missing,
   * or another session (an attached DevTools) already runs V8's sampling heap profiler, which is one per process.
   */
  static #connect(): Session | string {
    const inspector = loadInspector();
    if (inspector === undefined) return 'node:inspector is not available in this runtime';
    // Node holds a connected session natively: registered so that heap snapshot diffs know it is ramflow's.
    const session = ownHandle(new inspector.Session());
    try {
      session.connect();
      // Its native connection object, also held by Node, is ramflow's too.
      for (const key of Object.getOwnPropertySymbols(session)) {
        const part = (session as unknown as Record<symbol, unknown>)[key];
        if (typeof part === 'object' && part !== null) ownHandle(part);
      }
      postSync(session, 'HeapProfiler.enable');
    } catch (error) {
      return `could not open an inspector session: ${(error as Error).message ?? String(error)}`;
    }
    // A second startSampling is silently ignored by V8, so ask first whether someone already runs it.
    try {
      postSync(session, 'HeapProfiler.getSamplingProfile');
    } catch {
      // "V8 sampling heap profiler was not started": it is free.
      return session;
    }
    session.disconnect();
    return "another inspector session (for example Chrome DevTools' Memory tab, allocation sampling) is running V8's sampling heap profiler, which is one per process";
  }

  /** True while the profiler runs (a window is open, or finished ones wait for their samples). */
  get awake(): boolean {
    return this.#session !== undefined;
  }

  /** Connects and starts sampling; returns why it cannot, or undefined once it runs. */
  #wake(): string | undefined {
    if (this.#session !== undefined) return undefined;
    const session = SamplingProfiler.#connect();
    if (typeof session === 'string') return session;
    this.#session = session;
    this.#settleInlining();
    try {
      this.#begin();
    } catch (error) {
      this.#session = undefined;
      session.disconnect();
      return `could not start V8's sampling heap profiler: ${(error as Error).message ?? String(error)}`;
    }
    this.stats.starts++;
    this.#lastEnd = performance.now();
    process.once('exit', this.#onExit);
    if (this.#adaptive) {
      this.#tickStart = performance.now();
      this.#governor = setInterval(() => this.#tick(), GOVERNOR_TICK_MS);
      this.#governor.unref();
    }
    this.#schedule();
    return undefined;
  }

  /**
   * Stops sampling and closes the session: finished windows get their samples first (one fetch); with none
   * waiting the profiler is just switched off (no profile is built, no collection forced).
   */
  #sleep(why: 'idle' | 'shutdown'): void {
    const session = this.#session;
    if (session === undefined) return;
    if (this.#waiting > 0) this.rotate(why, false);
    if (this.#governor !== undefined) clearInterval(this.#governor);
    this.#governor = undefined;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    process.removeListener('exit', this.#onExit);
    this.#switchOff(session);
    this.#session = undefined;
    this.#kept = [];
    // A window whose samples could not be fetched (the restart after a fetch had failed) is told so.
    for (const window of [...this.#windows]) {
      if (!window.ended) continue;
      window.failed ??= 'the sampling profile could not be fetched: the profiler had stopped';
      this.#resolve(window);
    }
    // The load has gone with the requests: the next window samples at the configured interval.
    this.#current = this.interval;
    this.#loadedTicks = 0;
    this.#quietTicks = 0;
    this.#estimatedSamples = 0;
    if (why === 'idle') this.stats.idleStops++;
  }

  /** Stops V8's sampler without building a profile (`disable` does; ~3 ms where a fetch took ~75 ms). */
  #switchOff(session: Session): void {
    try {
      postSync(session, 'HeapProfiler.disable');
    } catch {
      // Stopped already (by someone else).
    }
    this.#running = false;
    try {
      session.disconnect();
    } catch {
      // The session is gone with the process.
    }
  }

  #begin(): void {
    postSync(this.#session as Session, 'HeapProfiler.startSampling', {
      samplingInterval: this.#current,
      includeObjectsCollectedByMajorGC: this.#mode === 'allocated',
      includeObjectsCollectedByMinorGC: this.#mode === 'allocated',
    });
    this.#running = true;
    this.#epochMode = this.#mode;
    this.#epoch++;
    this.#events = [];
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  acquire(): void {
    this.#refs++;
  }

  /** Drops a reference; the last one stops the profiler. */
  release(): void {
    if (--this.#refs > 0) return;
    this.#sleep('shutdown');
    this.#stopNow();
  }

  #mark(keep = false): BoundaryEvent {
    const seq = this.#seq++;
    const event: BoundaryEvent = {
      seq,
      slot: seq % MARKER_SLOTS,
      epoch: this.#epoch,
      state: 'pending',
      index: -1,
      before: -1,
      after: -1,
    };
    this.#events.push(event);
    const arrays = emitMarker(event.slot, markerArrays(this.#current));
    // In retained mode only live objects keep their samples: the markers must outlive the fetch.
    if (keep) this.#kept.push(arrays);
    return event;
  }

  /**
   * Opens a window: emits its opening marker (on the request path: ~20-30 µs at the default interval). Under
   * sustained load only a few windows per second are profiled; the others get the reason they were skipped.
   */
  open(view: AllocationProfile['view'] = 'allocated'): ProfiledWindow | string {
    const now = performance.now();
    const unavailable = this.#disposed ? 'ramflow was closed' : this.#wake();
    if (unavailable !== undefined) {
      // Counted as open like a skipped window: its end is `endUnmarked`.
      this.#open++;
      return `no allocation stacks: V8's sampling heap profiler could not be started (${unavailable})`;
    }
    if (view === 'retained') return this.#openRetained(now);
    this.#openedThisTick++;
    if (this.#open === 0) this.#busySince = now;
    if (this.underLoad) {
      if (now - this.#lastMarked < LOAD_MARK_SPACING_MS) {
        this.#open++;
        return this.#skipReason;
      }
    }
    this.#lastMarked = now;
    return this.#register(this.#mark(), 'allocated');
  }

  /**
   * Opens a "retained" window (memray's leaks view): the profiler is switched to keep only samples of live
   * objects, and right after the response a fetch (which collects garbage first) shows what the window
   * allocated that is still alive. Costs two profile fetches; the caller runs the request alone.
   */
  #openRetained(now: number): ProfiledWindow {
    if (this.#open === 0) this.#busySince = now;
    this.#mode = 'retained';
    this.rotate('retained');
    const window = this.#register(this.#mark(true), 'retained');
    if (this.#open > 1) {
      window.notes.push(
        `${this.#open - 1} other request(s) were in flight: what they allocated and kept alive is included`,
      );
    }
    return window;
  }

  #register(open: BoundaryEvent, view: AllocationProfile['view']): ProfiledWindow {
    const window: ProfiledWindow = {
      open,
      close: undefined,
      builder: new ProfileTreeBuilder(),
      failed: undefined,
      interval: this.#current,
      view,
      ended: false,
      result: undefined,
      unavailable: undefined,
      resolved: false,
      waiters: [],
      notes: [this.#restartNote, this.#inliningNote].filter((note): note is string => Boolean(note)),
    };
    if (this.underLoad && view === 'allocated') {
      window.notes.push(
        `sampled every ~${formatBytes(this.#current)} instead of ~${formatBytes(this.interval)}: the app was under sustained load (adaptive sampling)`,
      );
    }
    this.#windows.add(window);
    this.#open++;
    return window;
  }

  /** An unprofiled window (skipped under load) ended. */
  endUnmarked(): void {
    this.#closeBusy();
  }

  #closeBusy(): void {
    if (--this.#open === 0) this.#busyMs += performance.now() - this.#busySince;
  }

  /** The response finished: emits the closing marker. The window resolves at the next rotation. */
  end(window: ProfiledWindow): void {
    if (window.ended) return;
    const retained = window.view === 'retained';
    (window as { close: BoundaryEvent | undefined }).close = this.#mark(retained);
    window.ended = true;
    this.#closeBusy();
    this.#waiting++;
    this.#lastEnd = performance.now();
    if (retained) {
      // Fetch once the framework has let go of the request's own objects, then go back to allocation mode.
      setTimeout(() => {
        this.#mode = 'allocated';
        this.rotate('retained');
        this.#kept = [];
      }, RETAINED_SETTLE_MS).unref();
    }
  }

  /** Resolves when the window's profile is known (after the rotation that fetches its closing marker). */
  settled(window: ProfiledWindow): Promise<void> {
    if (window.resolved) return Promise.resolve();
    return new Promise((resolve) => window.waiters.push(resolve));
  }

  /** Adds what a finished request allocated, so the sample bound can be enforced without fetching. */
  noteAllocated(bytes: number): void {
    this.#estimatedSamples += bytes / this.interval;
    this.#typicalBytes += (bytes - this.#typicalBytes) / 16;
  }

  /**
   * A request ran without a window while the profiler was running (refused, ignored, or not sampled): its
   * allocations are sampled all the same, so they count towards the sample bound, at a typical request's size.
   */
  noteUnprofiled(): void {
    if (this.#session !== undefined) this.#estimatedSamples += this.#typicalBytes / this.#current;
  }

  /**
   * Someone is looking: fetch now if a finished window waits for its samples. When the load has gone, return
   * to the configured interval first, so the next request is profiled at full precision.
   */
  flush(): void {
    if (this.underLoad && this.#quietTicks >= 1) this.#setInterval(this.interval);
    if (this.#waiting > 0) this.rotate('view');
  }

  /**
   * Every function keeps its own frame: V8's optimizing compiler stops inlining when sampling starts (see the
   * `inlining` option). Without it, profiles say that inlined callees are folded into their callers.
   */
  keepFrames(): void {
    this.#keepFrames = true;
  }

  /** Turns V8's inlining off for the process when asked (once), and words the note every profile then carries. */
  #settleInlining(): void {
    if (this.#keepFrames && inliningOn) {
      try {
        v8.setFlagsFromString('--no-turbo-inlining');
        inliningOn = false;
        inliningOffAtMs = process.uptime() * 1000;
      } catch {
        // A runtime without the flag: the note says callees may be folded into callers.
      }
    }
    if (inliningOn) {
      this.#inliningNote = this.#keepFrames
        ? "V8 could not be told to stop inlining: an inlined function's allocations show under its caller's name."
        : "V8 inlines hot functions into their callers (ramflow option `inlining: true`): an inlined function's allocations show under its caller's name. Leave `inlining` at false to see every function.";
    } else if (inliningOffAtMs > 2000) {
      this.#inliningNote = `ramflow turned V8's inlining off ${(inliningOffAtMs / 1000).toFixed(0)} s after the process started: functions V8 had optimized before then may still show their callees' allocations until they are optimized again (start the app with \`node --no-turbo-inlining\` to rule it out).`;
    } else {
      this.#inliningNote = undefined;
    }
  }

  /** Enables the load governor (adaptive sampling). */
  adapt(enabled: boolean): void {
    if (!enabled || this.#adaptive || this.#disposed) return;
    this.#adaptive = true;
    if (this.#session === undefined) return;
    this.#tickStart = performance.now();
    this.#governor = setInterval(() => this.#tick(), GOVERNOR_TICK_MS);
    this.#governor.unref();
  }

  /**
   * Load governor. V8's sampler costs a few µs per sample plus ~0.2 µs per stack frame (measured), so an
   * allocation-heavy app under load test would lose a fifth of its throughput at 32 KiB. Sustained load (many
   * requests per tick, the app busy most of the time, for two ticks) coarsens the interval; it returns to the
   * configured one after a long quiet spell, or as soon as someone reads the data once the load is gone.
   */
  #tick(): void {
    const now = performance.now();
    const elapsed = now - this.#tickStart;
    const busy = this.#busyMs + (this.#open > 0 ? now - Math.max(this.#busySince, this.#tickStart) : 0);
    const share = elapsed > 0 ? busy / elapsed : 0;
    const loaded = share >= LOAD_BUSY_SHARE && this.#openedThisTick >= LOAD_REQUESTS_PER_TICK;
    this.#busyMs = 0;
    this.#openedThisTick = 0;
    this.#tickStart = now;
    if (this.#open > 0) this.#busySince = now;
    if (loaded) {
      this.#loadedTicks++;
      this.#quietTicks = 0;
      if (!this.underLoad && this.#loadedTicks >= 2) {
        this.#setInterval(Math.max(this.interval * LOAD_INTERVAL_FACTOR, LOAD_MIN_INTERVAL));
      }
    } else {
      this.#loadedTicks = 0;
      this.#quietTicks++;
      if (this.underLoad && this.#quietTicks * GOVERNOR_TICK_MS >= LOAD_RELEASE_MS)
        this.#setInterval(this.interval);
    }
  }

  #setInterval(interval: number): void {
    if (interval === this.#current) return;
    this.#current = interval;
    this.#skipReason = `not profiled: under sustained load ramflow records allocation stacks for at most one request per second (sampling every ~${formatBytes(interval)}), and this request was not one of them`;
    this.rotate('governor');
  }

  /** While the profiler runs: fetch when the bounds are reached, stop once no window has been open for a while. */
  #schedule(): void {
    if (this.#timer !== undefined || this.#disposed || this.#session === undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      // Switching off disables the heap profiler, which makes V8 forget its object ids: not while a heap
      // snapshot window needs them (object-id-lease.ts).
      if (this.#open === 0 && performance.now() - this.#lastEnd >= IDLE_STOP_MS && !objectIdsHeld()) {
        this.#sleep('idle');
        return;
      }
      if (this.#waiting >= MAX_WAITING_WINDOWS || this.#estimatedSamples >= MAX_SAMPLES)
        this.rotate('bounds');
      this.#schedule();
    }, CHECK_MS);
    this.#timer.unref();
  }

  /**
   * Fetches the profile (stopping the profiler, which forces one full garbage collection), starts it again,
   * and resolves every window whose closing marker the fetched profile covers.
   */
  rotate(why: keyof SamplerStats['rotationsBy'], restart = true): void {
    if (!this.#running || this.#disposed || this.#session === undefined) return;
    const began = performance.now();
    const epoch = this.#epoch;
    const epochMode = this.#epochMode;
    const events = this.#events;
    let profile: RawProfile | undefined;
    let stoppedUnder = false;
    try {
      profile = postSync<{ profile: RawProfile }>(this.#session, 'HeapProfiler.stopSampling').profile;
    } catch {
      stoppedUnder = true;
    }
    this.#running = false;
    if (restart) {
      try {
        this.#begin();
        this.#restartNote = undefined;
      } catch (error) {
        this.#restartNote = `sampling could not be restarted: ${(error as Error).message}`;
      }
    }
    this.#estimatedSamples = 0;
    const touching = [...this.#windows].filter((w) => w.open.epoch <= epoch);
    if (epochMode === 'retained') {
      for (const window of touching) {
        if (window.view === 'allocated' && !window.notes.includes(PARTLY_RETAINED_NOTE))
          window.notes.push(PARTLY_RETAINED_NOTE);
      }
    }
    if (profile !== undefined) {
      const outcome = cutProfile(profile, epoch, events, touching);
      this.stats.markersFound += outcome.markersFound;
      this.stats.markersMissed += outcome.markersMissed;
      this.stats.samplesFetched += outcome.samples;
    } else if (stoppedUnder) {
      for (const window of touching) {
        window.failed ??=
          'the sampling heap profiler was stopped by someone else (another inspector session, DevTools?) during this request; ramflow restarted it';
      }
    }
    for (const window of touching) {
      if (window.ended && (window.close as BoundaryEvent).epoch <= epoch) this.#resolve(window);
    }
    const elapsed = performance.now() - began;
    this.stats.rotations++;
    this.stats.rotationsBy[why]++;
    this.stats.lastRotationMs = elapsed;
    this.stats.totalRotationMs += elapsed;
  }

  #resolve(window: ProfiledWindow): void {
    if (window.resolved) return;
    window.resolved = true;
    this.#windows.delete(window);
    this.#waiting--;
    if (window.failed !== undefined) {
      window.unavailable = window.failed;
    } else {
      const miss = markerMissProbability(markerArrays(window.interval), window.interval);
      if (miss > 0.001) {
        window.notes.push(
          `boundary markers at this interval are missed with probability ${(miss * 100).toFixed(2)}% each`,
        );
      }
      window.result = window.builder.build(window.view, window.interval, window.notes);
    }
    for (const wake of window.waiters.splice(0)) wake();
  }

  /** Stops the profiler for good (release of the last reference, or process exit). */
  #stopNow(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#governor) clearInterval(this.#governor);
    process.removeListener('exit', this.#onExit);
    if (this.#session !== undefined) this.#switchOff(this.#session);
    this.#session = undefined;
    for (const window of this.#windows) {
      window.failed ??= 'ramflow was closed before this request was profiled to the end';
      window.resolved = true;
      window.unavailable = window.failed;
      for (const wake of window.waiters.splice(0)) wake();
    }
    this.#windows.clear();
  }
}

/** V8's inlining, process-wide: on until ramflow turns it off (or the process was started without it). */
let inliningOn = !process.execArgv.includes('--no-turbo-inlining');
let inliningOffAtMs = 0;

const REGISTRY_KEY = Symbol.for('ramflow.sampling-profiler');

/**
 * The process's sampling profiler, shared through globalThis so every ramflow instance (and both the ESM and
 * CommonJS builds) use the one V8 allows. The first caller's interval wins while it is referenced. Creating it
 * starts nothing: sampling starts when a window opens.
 */
export function sharedSamplingProfiler(interval: number): SamplingProfiler {
  const registry = globalThis as unknown as Record<symbol, SamplingProfiler | undefined>;
  let profiler = registry[REGISTRY_KEY];
  if (profiler === undefined || profiler.disposed) {
    profiler = SamplingProfiler.create(interval);
    registry[REGISTRY_KEY] = profiler;
  }
  profiler.acquire();
  return profiler;
}
