/**
 * Package costs of the bootstrap report (preload only), measured in frames: a frame opens when loading crosses into
 * another package (CommonJS: `Module.prototype.load`, nested by `require`; ESM: a run of consecutive module
 * evaluations of one package, signalled by a prelude/epilogue the loader hooks add to each module). While the
 * forced-GC budget lasts a frame is opened and closed with a forced full GC, so its heap figure is live heap
 * retained, not garbage. Allocated bytes come from used-heap deltas plus the bytes freed by every GC in between
 * (v8.GCProfiler). The figures add up in the shared state's `packages`, which bootstrap.ts reports.
 */
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { BootstrapOverhead } from '../types.js';
import type { BootstrapState } from './bootstrap.js';

/** At most this many packages are tracked; later ones are added up under OTHER_PACKAGES. */
export const MAX_PACKAGES = 500;
export const OTHER_PACKAGES = '(other packages)';
export const APP = '(app)';
/** Default total time the preload may spend in forced GCs (`RAMFLOW_BOOTSTRAP_GC_MS` overrides, 0 = none). */
export const DEFAULT_GC_BUDGET_MS = 2000;

/** A forced GC this soon after the last one (in bytes allocated since) is skipped: the error is at most this. */
const GC_SKIP_BYTES = 64 * 1024;

/** Figures added up per frame and per package. */
export interface Totals {
  heapBytes: number;
  rssBytes: number;
  allocatedBytes: number;
  ms: number;
}

/** One package's running totals: an entry of the shared state's `packages`, reported by bootstrapReport(). */
export interface PackageAccumulator {
  name: string;
  modules: number;
  self: Totals;
  inclusive: Totals;
  esm: boolean;
  cjs: boolean;
  raw: boolean;
}

/** The top-level package a module file (path or file: URL) belongs to; undefined for builtins and non-files. */
export function packageOf(file: string, ownDir?: string): string | undefined {
  let path = file;
  if (path.startsWith('file:')) {
    try {
      path = decodeURIComponent(new URL(path).pathname);
    } catch {
      return undefined;
    }
  } else if (/^[a-z][a-z0-9+.-]+:/i.test(path)) {
    // node:, data: and other URLs (a Windows drive letter is one letter, so it does not match).
    return undefined;
  }
  path = path.replaceAll('\\', '/');
  const at = path.lastIndexOf('/node_modules/');
  if (at >= 0) {
    const parts = path.slice(at + '/node_modules/'.length).split('/');
    const first = parts[0] ?? '';
    if (first.startsWith('@') && parts.length > 2) return `${first}/${parts[1]}`;
    if (first !== '' && parts.length > 1) return first;
  }
  if (ownDir && path.startsWith(ownDir)) return '@ramflow/core';
  return APP;
}

function zero(): Totals {
  return { heapBytes: 0, rssBytes: 0, allocatedBytes: 0, ms: 0 };
}

function addTo(target: Totals, value: Totals): void {
  target.heapBytes += value.heapBytes;
  target.rssBytes += value.rssBytes;
  target.allocatedBytes += value.allocatedBytes;
  target.ms += value.ms;
}

interface Frame {
  pkg: string;
  /** The ESM module being evaluated in this frame; undefined once it finished (the frame is idle). */
  url: string | undefined;
  esm: boolean;
  idle: boolean;
  gc: boolean;
  heap0: number;
  alloc0: number;
  rss0: number;
  t0: number;
  gcMs0: number;
  children: Totals;
  childRaw: boolean;
}

export interface TrackerOptions {
  /** Total forced-GC time allowed; 0 turns forced GCs off. */
  gcBudgetMs?: number;
  /** The directory of ramflow's own modules (attributed to @ramflow/core rather than the app). */
  ownDir?: string;
}

/** Obtains V8's gc() without --expose-gc (V8-FACTS: ~3 ms at a 4 MB heap). */
function obtainGc(): (() => void) | undefined {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === 'function') return existing;
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    v8.setFlagsFromString('--no-expose-gc');
    return typeof gc === 'function' ? gc : undefined;
  } catch {
    return undefined;
  }
}

/** Measures package load costs in frames (see the file comment). Installed by the preload only. */
export class PackageTracker {
  private readonly stack: Frame[] = [];
  private readonly open = new Map<string, number>();
  private readonly profiler = new v8.GCProfiler();
  private readonly gcFn: (() => void) | undefined;
  private readonly gcBudgetMs: number;
  private readonly ownDir: string | undefined;
  private freed = 0;
  private allocatedAtGc = Number.NEGATIVE_INFINITY;
  private gcMs = 0;
  private forcedGcs = 0;
  private frames = 0;
  private settleQueued = false;
  private readonly onStop: (() => void)[] = [];
  tracking = true;

  constructor(
    private readonly state: BootstrapState,
    options: TrackerOptions = {},
  ) {
    this.gcBudgetMs = Math.max(0, options.gcBudgetMs ?? DEFAULT_GC_BUDGET_MS);
    this.gcFn = this.gcBudgetMs > 0 ? obtainGc() : undefined;
    this.ownDir = options.ownDir;
    this.profiler.start();
  }

  /** Runs when tracking stops (app ready): hooks uninstall themselves here. */
  whenStopped(fn: () => void): void {
    if (this.tracking) this.onStop.push(fn);
    else fn();
  }

  /** Stops tracking: closes idle frames, removes the hooks. Frames still open are dropped. */
  stop(): void {
    if (!this.tracking) return;
    this.settle();
    this.tracking = false;
    delete this.state.enter;
    delete this.state.exit;
    this.profiler.stop();
    for (const fn of this.onStop.splice(0)) fn();
  }

  overhead(): BootstrapOverhead {
    return {
      forcedGcs: this.forcedGcs,
      gcMs: Math.round(this.gcMs * 100) / 100,
      frames: this.frames,
      tracking: this.tracking,
    };
  }

  /** A CommonJS module file starts loading; the returned frame (if any) is given back to exitCjs. */
  enterCjs(filename: string): Frame | undefined {
    if (!this.tracking) return undefined;
    const pkg = packageOf(filename, this.ownDir);
    if (pkg === undefined) return undefined;
    this.closeIdle(undefined);
    const name = this.count(pkg, 'cjs');
    const top = this.stack.at(-1);
    if (top && top.pkg === name) return undefined;
    return this.push(name, undefined);
  }

  exitCjs(frame: Frame): void {
    const index = this.stack.lastIndexOf(frame);
    if (index < 0) return;
    while (this.stack.length - 1 > index) this.close();
    this.close();
  }

  /** An ESM module's body starts (prelude injected by the loader hooks). */
  enterEsm(url: string): void {
    if (!this.tracking) return;
    const pkg = packageOf(url, this.ownDir);
    if (pkg === undefined) return;
    const name = this.count(pkg, 'esm');
    this.closeIdle(name);
    const top = this.stack.at(-1);
    if (top && top.pkg === name) {
      if (top.idle) {
        top.idle = false;
        top.url = url;
      }
      return;
    }
    this.push(name, url).esm = true;
  }

  /** An ESM module's body finished (epilogue): its frame stays open, idle, for the package's next module. */
  exitEsm(url: string): void {
    let index = this.stack.length - 1;
    while (index >= 0 && this.stack[index]?.url !== url) index--;
    if (index < 0) return;
    while (this.stack.length - 1 > index) this.close();
    const frame = this.stack[index];
    if (!frame) return;
    frame.url = undefined;
    frame.idle = true;
    if (!this.settleQueued) {
      this.settleQueued = true;
      queueMicrotask(() => {
        this.settleQueued = false;
        this.settle();
      });
    }
  }

  /** Closes the idle ESM frames on top of the stack (module evaluation has moved on). */
  settle(): void {
    this.closeIdle(undefined);
  }

  private closeIdle(keep: string | undefined): void {
    for (let top = this.stack.at(-1); top?.idle && top.pkg !== keep; top = this.stack.at(-1)) this.close();
  }

  private count(pkg: string, kind: 'esm' | 'cjs'): string {
    const packages = this.state.packages;
    let name = pkg;
    let acc = packages.get(name);
    if (!acc && packages.size >= MAX_PACKAGES - 1) {
      name = OTHER_PACKAGES;
      acc = packages.get(name);
    }
    if (!acc) {
      acc = { name, modules: 0, self: zero(), inclusive: zero(), esm: false, cjs: false, raw: false };
      packages.set(name, acc);
    }
    acc.modules++;
    if (kind === 'esm') acc.esm = true;
    else acc.cjs = true;
    return name;
  }

  private allocated(): number {
    const result = this.profiler.stop();
    for (const gc of result?.statistics ?? []) {
      this.freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
    }
    this.profiler.start();
    return v8.getHeapStatistics().used_heap_size + this.freed;
  }

  /**
   * A forced full GC, unless the budget is spent (false: figures will be raw). One that would follow the last
   * forced GC with less than GC_SKIP_BYTES allocated in between is skipped (true): at most that much garbage.
   */
  private forceGc(evenPastBudget = false): boolean {
    if (!this.gcFn || (!evenPastBudget && this.gcMs >= this.gcBudgetMs)) return false;
    if (this.allocated() - this.allocatedAtGc < GC_SKIP_BYTES) return true;
    const t = performance.now();
    this.gcFn();
    this.gcMs += performance.now() - t;
    this.forcedGcs++;
    this.allocatedAtGc = this.allocated();
    return true;
  }

  private push(pkg: string, url: string | undefined): Frame {
    this.frames++;
    const gc = this.forceGc();
    const frame: Frame = {
      pkg,
      url,
      esm: false,
      idle: false,
      gc,
      heap0: 0,
      alloc0: 0,
      rss0: process.memoryUsage.rss(),
      t0: 0,
      gcMs0: this.gcMs,
      children: zero(),
      childRaw: false,
    };
    frame.alloc0 = this.allocated();
    frame.heap0 = v8.getHeapStatistics().used_heap_size;
    this.open.set(pkg, (this.open.get(pkg) ?? 0) + 1);
    this.stack.push(frame);
    frame.t0 = performance.now();
    return frame;
  }

  private close(): void {
    const frame = this.stack.pop();
    if (!frame) return;
    const ms = performance.now() - frame.t0 - (this.gcMs - frame.gcMs0);
    // A frame opened with a GC is closed with one even past the budget, so its figures stay exact.
    const live = frame.gc && this.forceGc(true);
    const heap1 = v8.getHeapStatistics().used_heap_size;
    const inclusive: Totals = {
      heapBytes: heap1 - frame.heap0,
      rssBytes: process.memoryUsage.rss() - frame.rss0,
      allocatedBytes: this.allocated() - frame.alloc0,
      ms,
    };
    const self: Totals = {
      heapBytes: inclusive.heapBytes - frame.children.heapBytes,
      rssBytes: inclusive.rssBytes - frame.children.rssBytes,
      allocatedBytes: inclusive.allocatedBytes - frame.children.allocatedBytes,
      ms: inclusive.ms - frame.children.ms,
    };
    const parent = this.stack.at(-1);
    if (parent) {
      addTo(parent.children, inclusive);
      if (!live) parent.childRaw = true;
    }
    const acc = this.state.packages.get(frame.pkg);
    if (!acc) return;
    addTo(acc.self, self);
    const stillOpen = (this.open.get(frame.pkg) ?? 1) - 1;
    if (stillOpen > 0) this.open.set(frame.pkg, stillOpen);
    else {
      this.open.delete(frame.pkg);
      addTo(acc.inclusive, inclusive);
    }
    if (!live || frame.childRaw) acc.raw = true;
  }
}
