import type { Session } from 'node:inspector';
import { performance } from 'node:perf_hooks';
import type { AllocationProfile } from '../types.js';
import { emitMarker, MARKER_SLOTS, markerArrays, markerMissProbability } from './boundary-markers.js';
import { loadInspector, postSync } from './inspector.js';
import { type BoundaryEvent, cutProfile, type RawProfile, type WindowCut } from './profile-cut.js';
import { ProfileTreeBuilder } from './profile-tree.js';

/** The sampling profiler cannot run here; the message says why. */
export class SamplerUnavailableError extends Error {}

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
  notes: string[];
}

/** Rotate (fetch, which forces a full GC) once this many finished windows wait for their samples. */
const MAX_WAITING_WINDOWS = 500;
/**
 * Rotate once this many samples may have accumulated (~96 bytes of native memory each, measured; ~1.7 µs each
 * to fetch): the profiler keeps every sample until it is stopped, so this bounds its memory.
 */
const MAX_SAMPLES = 200_000;
/** Rotate when no window has been open for this long and finished windows are waiting. */
const IDLE_ROTATE_MS = 1_000;
/** How often the rotation conditions are checked while windows wait. */
const CHECK_MS = 250;

export interface SamplerStats {
  rotations: number;
  lastRotationMs: number;
  totalRotationMs: number;
  markersFound: number;
  markersMissed: number;
  samplesFetched: number;
}

/**
 * The process's one sampling heap profiler (V8 has one per isolate, shared by every inspector session), run
 * continuously with garbage samples kept, and cut into request windows by boundary markers. The profile is
 * fetched ("rotated": stopped, which returns it, and started again) only in batches: when someone looks at
 * the data, when the app is idle, or when the bounds on waiting windows and samples are reached. A fetch forces
 * a full garbage collection whose cost grows with the live heap, so per-request cost stays flat.
 */
export class SamplingProfiler {
  readonly interval: number;
  readonly stats: SamplerStats = {
    rotations: 0,
    lastRotationMs: 0,
    totalRotationMs: 0,
    markersFound: 0,
    markersMissed: 0,
    samplesFetched: 0,
  };
  readonly #session: Session;
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
  /** Notes for windows of the current epoch (e.g. the profiler had been stopped under ramflow). */
  #restartNote: string | undefined;
  readonly #onExit = () => this.#stopNow();

  private constructor(interval: number, session: Session) {
    this.interval = interval;
    this.#session = session;
  }

  /**
   * Starts the profiler. Throws SamplerUnavailableError when the inspector is missing or another session
   * (an attached DevTools) already runs the sampling heap profiler.
   */
  static start(interval: number): SamplingProfiler {
    const inspector = loadInspector();
    if (inspector === undefined)
      throw new SamplerUnavailableError('node:inspector is not available in this runtime');
    const session = new inspector.Session();
    try {
      session.connect();
      postSync(session, 'HeapProfiler.enable');
    } catch (error) {
      throw new SamplerUnavailableError(
        `could not open an inspector session: ${(error as Error).message ?? String(error)}`,
      );
    }
    // A second startSampling is silently ignored by V8, so ask first whether someone already runs it.
    let foreign = false;
    try {
      postSync(session, 'HeapProfiler.getSamplingProfile');
      foreign = true;
    } catch {
      // "V8 sampling heap profiler was not started": it is free.
    }
    if (foreign) {
      session.disconnect();
      throw new SamplerUnavailableError(
        "another inspector session (for example Chrome DevTools' Memory tab, allocation sampling) is running V8's sampling heap profiler, which is one per process",
      );
    }
    const profiler = new SamplingProfiler(interval, session);
    profiler.#begin();
    process.once('exit', profiler.#onExit);
    return profiler;
  }

  #begin(): void {
    postSync(this.#session, 'HeapProfiler.startSampling', {
      samplingInterval: this.interval,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    this.#running = true;
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
    this.rotate();
    this.#stopNow();
  }

  #mark(): BoundaryEvent {
    const seq = this.#seq++;
    const event: BoundaryEvent = {
      seq,
      slot: seq % MARKER_SLOTS,
      epoch: this.#epoch,
      state: 'pending',
      index: -1,
    };
    this.#events.push(event);
    emitMarker(event.slot, markerArrays(this.interval));
    return event;
  }

  /** Opens a window: emits its opening marker. On the request path (~20-30 µs at the default interval). */
  open(): ProfiledWindow {
    const window: ProfiledWindow = {
      open: this.#mark(),
      close: undefined,
      builder: new ProfileTreeBuilder(),
      failed: undefined,
      interval: this.interval,
      view: 'allocated',
      ended: false,
      result: undefined,
      unavailable: undefined,
      resolved: false,
      waiters: [],
      notes: this.#restartNote === undefined ? [] : [this.#restartNote],
    };
    this.#windows.add(window);
    this.#open++;
    return window;
  }

  /** The response finished: emits the closing marker. The window resolves at the next rotation. */
  end(window: ProfiledWindow): void {
    if (window.ended) return;
    (window as { close: BoundaryEvent | undefined }).close = this.#mark();
    window.ended = true;
    this.#open--;
    this.#waiting++;
    this.#lastEnd = performance.now();
    this.#schedule();
  }

  /** Resolves when the window's profile is known (after the rotation that fetches its closing marker). */
  settled(window: ProfiledWindow): Promise<void> {
    if (window.resolved) return Promise.resolve();
    return new Promise((resolve) => window.waiters.push(resolve));
  }

  /** Adds what a finished request allocated, so the sample bound can be enforced without fetching. */
  noteAllocated(bytes: number): void {
    this.#estimatedSamples += bytes / this.interval;
  }

  /** Someone is looking: fetch now if a finished window waits for its samples. */
  flush(): void {
    if (this.#waiting > 0) this.rotate();
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#disposed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#waiting === 0) return;
      const idle = this.#open === 0 && performance.now() - this.#lastEnd >= IDLE_ROTATE_MS;
      if (idle || this.#waiting >= MAX_WAITING_WINDOWS || this.#estimatedSamples >= MAX_SAMPLES)
        this.rotate();
      if (this.#waiting > 0) this.#schedule();
    }, CHECK_MS);
    this.#timer.unref();
  }

  /**
   * Fetches the profile (stopping the profiler, which forces one full garbage collection), starts it again,
   * and resolves every window whose closing marker the fetched profile covers.
   */
  rotate(): void {
    if (!this.#running || this.#disposed) return;
    const began = performance.now();
    const epoch = this.#epoch;
    const events = this.#events;
    let profile: RawProfile | undefined;
    let stoppedUnder = false;
    try {
      profile = postSync<{ profile: RawProfile }>(this.#session, 'HeapProfiler.stopSampling').profile;
    } catch {
      stoppedUnder = true;
    }
    this.#running = false;
    try {
      this.#begin();
      this.#restartNote = undefined;
    } catch (error) {
      this.#restartNote = `sampling could not be restarted: ${(error as Error).message}`;
    }
    this.#estimatedSamples = 0;
    const touching = [...this.#windows].filter((w) => w.open.epoch <= epoch);
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
      const done = window.ended && (window.close as BoundaryEvent).epoch <= epoch;
      if (done) this.#resolve(window);
      else if (window.failed !== undefined && !window.notes.includes(window.failed)) {
        // Still open: it keeps collecting in the next epoch, but its figures are incomplete.
      }
    }
    const elapsed = performance.now() - began;
    this.stats.rotations++;
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
    process.removeListener('exit', this.#onExit);
    try {
      if (this.#running) postSync(this.#session, 'HeapProfiler.stopSampling');
    } catch {
      // Already stopped by someone else.
    }
    this.#running = false;
    try {
      this.#session.disconnect();
    } catch {
      // The session is gone with the process.
    }
    for (const window of this.#windows) {
      window.failed ??= 'ramflow was closed before this request was profiled to the end';
      window.resolved = true;
      window.unavailable = window.failed;
      for (const wake of window.waiters.splice(0)) wake();
    }
    this.#windows.clear();
  }
}

const REGISTRY_KEY = Symbol.for('ramflow.sampling-profiler');

/**
 * The process's sampling profiler, shared through globalThis so every ramflow instance (and both the ESM and
 * CommonJS builds) use the one V8 allows. The first caller's interval wins while it runs.
 */
export function sharedSamplingProfiler(interval: number): SamplingProfiler {
  const registry = globalThis as unknown as Record<symbol, SamplingProfiler | undefined>;
  let profiler = registry[REGISTRY_KEY];
  if (profiler === undefined || profiler.disposed) {
    profiler = SamplingProfiler.start(interval);
    registry[REGISTRY_KEY] = profiler;
  }
  profiler.acquire();
  return profiler;
}
