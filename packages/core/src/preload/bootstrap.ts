/**
 * Bootstrap and "ecosystem bloat" (SPEC §5): the process footprint before the app loaded, the footprint when it
 * first listened, and what each top-level package cost to load.
 *
 * One shared state lives on `globalThis[Symbol.for('ramflow.bootstrap')]`, so the ESM and CommonJS builds, the
 * preload (`@ramflow/core/register`) and the ESM preludes injected by its loader hooks all see the same object.
 * Without the preload, the bootstrap footprint is the one taken when this module was first imported.
 *
 * Package costs (preload only) are measured by the PackageTracker of package-tracker.ts.
 */
import net from 'node:net';
import type { BootstrapReport, Footprint, PackageCost, PackageCostFigures } from '../types.js';
import {
  APP,
  MAX_PACKAGES,
  type PackageAccumulator,
  PackageTracker,
  type Totals,
  type TrackerOptions,
} from './package-tracker.js';

// The package tracker's names, still exported from here (register.ts and the tests import them from here).
export {
  APP,
  DEFAULT_GC_BUDGET_MS,
  MAX_PACKAGES,
  OTHER_PACKAGES,
  PackageTracker,
  packageOf,
  type TrackerOptions,
} from './package-tracker.js';

const KEY = Symbol.for('ramflow.bootstrap');

const NOTE_IMPORT =
  "Recorded at ramflow's import, after the app's earlier imports loaded: start with " +
  '`node --import @ramflow/core/register app.js` (ESM) or `node --require @ramflow/core/register app.js` ' +
  '(CommonJS) for the footprint before the app and per-package costs.';
const NOTE_PRELOAD = 'Recorded by the @ramflow/core/register preload, before the app loaded.';

const MEASUREMENT_IMPORT =
  'Footprints are process.memoryUsage() readings (heapUsed without a forced GC includes garbage). ' +
  'Package costs need the preload.';
const MEASUREMENT_PRELOAD =
  'Footprints: process.memoryUsage() readings (no forced GC). Packages: heapBytes = live JS heap retained, ' +
  'measured with a forced full GC where loading enters and leaves the package (heap "live"); once the ' +
  'forced-GC budget is spent, used-heap deltas without a GC, which include garbage (heap "raw"). ' +
  'allocatedBytes = JS heap allocated while loading, garbage included (used-heap delta + bytes freed by GCs, ' +
  'from v8.GCProfiler). rssBytes = RSS delta (raw; pages are rarely returned, so it is noisy). ' +
  'Live figures carry ~±64 KB of noise per package (a forced GC is skipped when under 64 KB was allocated ' +
  'since the last one; V8 ages out caches at each GC). loadMs = own time, forced GCs left out. CommonJS: inclusive = self + packages first loaded by its requires. ' +
  'ESM: only module evaluation is measured (sources are loaded and compiled before any module runs) and ' +
  'inclusive = self, since dependencies evaluate before their importers; modules using top-level await may be ' +
  'attributed to the wrong package. Buffers and other off-heap memory show in rssBytes only.';

export interface BootstrapState {
  version: 1;
  source: 'preload' | 'ramflow-import';
  bootstrap: Footprint;
  appReady?: Footprint;
  packages: Map<string, PackageAccumulator>;
  tracker?: PackageTracker;
  listenWatched: boolean;
  /** Called by the ESM prelude / epilogue the loader hooks inject (set while the preload tracks). */
  enter?: (url: string) => void;
  exit?: (url: string) => void;
  /** `bootstrapReport()` for holders of the state only (e.g. a build of ramflow that does not export it). */
  report(): BootstrapReport;
}

export function footprint(): Footprint {
  const memory = process.memoryUsage();
  return {
    at: new Date().toISOString(),
    uptimeMs: Math.round(process.uptime() * 1e6) / 1e3,
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    externalBytes: memory.external,
  };
}

function sharedState(): BootstrapState {
  const holder = globalThis as unknown as Record<symbol, BootstrapState | undefined>;
  const existing = holder[KEY];
  if (existing && existing.version === 1) return existing;
  const state: BootstrapState = {
    version: 1,
    source: 'ramflow-import',
    bootstrap: footprint(),
    packages: new Map(),
    listenWatched: false,
    report: () => bootstrapReport(),
  };
  holder[KEY] = state;
  watchAppReady(state);
  return state;
}

/** Records `appReady` when a `net.Server` first listens; the patch of `listen` is removed then. */
function watchAppReady(state: BootstrapState): void {
  if (state.listenWatched || state.appReady) return;
  state.listenWatched = true;
  const proto = net.Server.prototype;
  const original = proto.listen;
  const onListening = (): void => {
    if (state.appReady) return;
    state.tracker?.stop();
    state.appReady = footprint();
    if (proto.listen === patched) proto.listen = original;
  };
  const patched = function listen(this: net.Server, ...args: unknown[]) {
    if (!state.appReady) this.once('listening', onListening);
    return (original as (...a: unknown[]) => net.Server).apply(this, args);
  } as typeof original;
  proto.listen = patched;
}

/**
 * Makes the shared state a preload's: bootstrap footprint now, package tracking on. Returns the tracker, or
 * undefined when a preload already did this (the ESM and CommonJS builds of the preload can both be loaded).
 */
export function startPreload(options: TrackerOptions = {}): PackageTracker | undefined {
  const state = sharedState();
  if (state.source === 'preload') return undefined;
  state.source = 'preload';
  state.bootstrap = footprint();
  const tracker = new PackageTracker(state, options);
  state.tracker = tracker;
  state.enter = (url) => tracker.enterEsm(url);
  state.exit = (url) => tracker.exitEsm(url);
  return tracker;
}

function figures(totals: Totals, withAllocated: boolean): PackageCostFigures {
  const out: PackageCostFigures = { heapBytes: totals.heapBytes, rssBytes: totals.rssBytes };
  if (withAllocated) out.allocatedBytes = totals.allocatedBytes;
  return out;
}

/** Safe to call any time; plain JSON. */
export function bootstrapReport(): BootstrapReport {
  const state = sharedState();
  state.tracker?.settle();
  const preload = state.source === 'preload';
  const packages: PackageCost[] = [...state.packages.values()].map((acc) => ({
    name: acc.name,
    modules: acc.modules,
    self: figures(acc.self, preload),
    inclusive: figures(acc.inclusive, preload),
    loadMs: Math.round(acc.self.ms * 100) / 100,
    kind: acc.esm && acc.cjs ? 'both' : acc.esm ? 'esm' : 'cjs',
    heap: acc.raw ? 'raw' : 'live',
  }));
  packages.sort((a, b) => {
    const appA = a.name === APP ? 1 : 0;
    const appB = b.name === APP ? 1 : 0;
    return appA - appB || b.inclusive.heapBytes - a.inclusive.heapBytes;
  });
  return {
    source: state.source,
    note: preload ? NOTE_PRELOAD : NOTE_IMPORT,
    bootstrap: { ...state.bootstrap },
    ...(state.appReady ? { appReady: { ...state.appReady } } : {}),
    packages: packages.slice(0, MAX_PACKAGES),
    measurement: preload ? MEASUREMENT_PRELOAD : MEASUREMENT_IMPORT,
    ...(state.tracker ? { overhead: state.tracker.overhead() } : {}),
  };
}

// The footprint "at ramflow's import" when no preload recorded one.
sharedState();
