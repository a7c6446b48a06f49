/**
 * What every accuracy server shares: ramflow's options from the environment, and the truth probe that replaces
 * ramflow in the truth servers (ACC_MODE=truth).
 *
 * The truth probe measures one request's window the plain way, with no GC accounting at all: the server runs with
 * `--expose-gc` and a young generation big enough for the largest route (`--min/max-semi-space-size=64`); the
 * probe reads V8's used heap where ramflow's window opens (the same point of the framework's chain: first
 * middleware, Fastify's onRequest, Nest's `configure`), where ramflow takes its header-time figures, and where
 * ramflow's window closes (the response's 'close', Fastify's onResponse). With no collection in between, the
 * difference is every byte the window allocated. Between requests it forces a full collection whenever the young
 * generation has less than ~32 MB left, so none is needed inside a window. Windows that a collection did cross
 * (seen by a `gc` PerformanceObserver), and the first window after one, are marked for the bench to leave out.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import type { RamflowOptions } from '@ramflow/core';
import { AccuracyWidget, arrayBytes, MEASURABLE, WIDGETS_PER_CALL } from './routes.js';

export type AccuracyMode = 'truth' | 'ramflow';

export function accuracyMode(env: NodeJS.ProcessEnv = process.env): AccuracyMode {
  return env.ACC_MODE === 'truth' ? 'truth' : 'ramflow';
}

/**
 * ramflow's options: `RAMFLOW_BACKEND` (default auto), `ACC_ISOLATE=1` (isolate), `ACC_TOOLBAR=0` (toolbar
 * off), `ACC_ADAPTIVE=on` (adaptive sampling; off by default so the interval stays the default 32 KiB).
 */
export function ramflowOptions(env: NodeJS.ProcessEnv = process.env): RamflowOptions {
  const backend = env.RAMFLOW_BACKEND as RamflowOptions['memoryBackend'] | undefined;
  return {
    ...(backend ? { memoryBackend: backend } : {}),
    isolate: env.ACC_ISOLATE === '1',
    toolbar: env.ACC_TOOLBAR !== '0',
    adaptiveSampling: env.ACC_ADAPTIVE === 'on',
    historySize: 500,
    historyBytes: 32 * 1024 * 1024,
  };
}

/** The line bench/accuracy.mjs waits for. */
export function listening(framework: string, mode: AccuracyMode, port: number): void {
  console.log(`ACCURACY_LISTENING ${framework} ${mode} http://127.0.0.1:${port}`);
}

export const TRUTH_PATH = '/__truth/';

interface Window {
  path: string;
  /** When the window before this one closed: a collection since then means this one starts on a fresh heap. */
  since: number;
  t0: number;
  used0: number;
  /** Used heap when the response headers were written (where ramflow takes its `atHeaders` figures). */
  usedAtHeaders: number | undefined;
  overlapped: boolean;
}

interface ClosedWindow {
  path: string;
  since: number;
  bytes: number;
  headersBytes: number | undefined;
  t0: number;
  t1: number;
  overlapped: boolean;
}

export class TruthProbe {
  readonly #gc: () => void;
  /** Start times of every collection (PerformanceObserver 'gc' entries, delivered a loop turn late). */
  readonly #gcStarts: number[] = [];
  #closed: ClosedWindow[] = [];
  #inFlight = 0;
  #lastClose = 0;
  readonly #open = new Set<Window>();

  constructor() {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (typeof gc !== 'function') throw new Error('the truth server needs node --expose-gc');
    this.#gc = gc;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) this.#gcStarts.push(entry.startTime);
    }).observe({ entryTypes: ['gc'] });
  }

  static skips(url: string): boolean {
    return url.startsWith(TRUTH_PATH);
  }

  /** Where ramflow's window opens. */
  open(url: string): Window {
    const path = url.split('?')[0] ?? url;
    // Collect only when the young generation is filling up, and only when nothing else is in flight (a collection
    // inside another request's window would void it). Not before every request: a full collection empties V8's
    // caches (number strings, lookups, ...), and the request after one allocates more than in the steady state
    // (a small JSON route: ~8 KB more). Windows that follow a collection are marked and left out of the truth.
    if (this.#inFlight === 0 && youngUsed() > YOUNG_ROOM) this.#gc();
    this.#inFlight++;
    for (const other of this.#open) other.overlapped = true;
    const stats = v8.getHeapStatistics();
    const window: Window = {
      path,
      since: this.#lastClose,
      t0: performance.now(),
      used0: stats.used_heap_size,
      usedAtHeaders: undefined,
      overlapped: this.#inFlight > 1,
    };
    this.#open.add(window);
    return window;
  }

  /** Where ramflow takes its header-time figures: the response headers are about to be written. */
  headers(window: Window): void {
    if (window.usedAtHeaders === undefined) window.usedAtHeaders = v8.getHeapStatistics().used_heap_size;
  }

  /** Where ramflow's window closes. */
  close(window: Window): void {
    const used1 = v8.getHeapStatistics().used_heap_size;
    const t1 = performance.now();
    if (!this.#open.delete(window)) return;
    this.#inFlight--;
    this.#lastClose = t1;
    this.#closed.push({
      path: window.path,
      since: window.since,
      bytes: used1 - window.used0,
      headersBytes: window.usedAtHeaders === undefined ? undefined : window.usedAtHeaders - window.used0,
      t0: window.t0,
      t1,
      overlapped: window.overlapped,
    });
  }

  /**
   * Node's http objects, as ramflow's Express and Koa adapters watch them: opens on the request, reads the heap
   * when the headers are written (`writeHead`, which Node also calls for implicit headers: what on-headers hooks)
   * and closes on the response's 'close'.
   */
  watch(req: IncomingMessage, res: ServerResponse): void {
    if (TruthProbe.skips(req.url ?? '')) return;
    const window = this.open(req.url ?? '/');
    const writeHead = res.writeHead;
    const probe = this;
    res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
      probe.headers(window);
      return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
    } as ServerResponse['writeHead'];
    res.once('close', () => this.close(window));
  }

  #crossedGc(t0: number, t1: number): boolean {
    return this.#gcStarts.some((start) => start >= t0 && start <= t1);
  }

  /** The windows closed since the last drain, each with whether a collection crossed it. */
  drain(): Array<{
    path: string;
    bytes: number;
    headersBytes: number | undefined;
    gc: boolean;
    afterGc: boolean;
    overlapped: boolean;
  }> {
    const windows = this.#closed.map((w) => ({
      path: w.path,
      bytes: w.bytes,
      headersBytes: w.headersBytes,
      gc: this.#crossedGc(w.t0, w.t1),
      afterGc: this.#crossedGc(w.since, w.t0),
      overlapped: w.overlapped,
    }));
    this.#closed = [];
    return windows;
  }

  /** One function alone, `n` times, GC excluded: what each call allocated, the cost of the reading removed. */
  measureAlone(fn: () => unknown, n: number): { bytes: number[]; gc: number } {
    const readings: Array<{ bytes: number; t0: number; t1: number }> = [];
    const baseline: number[] = [];
    for (let i = 0; i < n; i++) {
      for (const [target, into] of [
        [fn, readings],
        [() => undefined, baseline],
      ] as const) {
        this.#gc();
        const t0 = performance.now();
        const used0 = v8.getHeapStatistics().used_heap_size;
        target();
        const used1 = v8.getHeapStatistics().used_heap_size;
        const t1 = performance.now();
        if (into === baseline) baseline.push(used1 - used0);
        else readings.push({ bytes: used1 - used0, t0, t1 });
      }
    }
    const base = median(baseline);
    return {
      bytes: readings.map((r) => r.bytes - base),
      gc: readings.filter((r) => this.#crossedGc(r.t0, r.t1)).length,
    };
  }

  /** The probe's own routes (`/__truth/drain`, `/__truth/fn?name=&n=`, `/__truth/widget`); a JSON-able answer. */
  async answer(url: string): Promise<unknown> {
    // Let the observer deliver the last collections' entries first.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const parsed = new URL(url, 'http://probe');
    const action = parsed.pathname.slice(TRUTH_PATH.length);
    if (action === 'drain') return { windows: this.drain() };
    if (action === 'fn') {
      const name = parsed.searchParams.get('name') ?? '';
      const fn = MEASURABLE[name];
      if (fn === undefined) return { error: `no function ${name}` };
      const n = Number(parsed.searchParams.get('n') ?? 9);
      for (let i = 0; i < 3; i++) fn(); // warm: compiled, slack tracking settled
      const first = this.measureAlone(fn, n);
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { name, bytes: first.bytes, median: median(first.bytes), gcWindows: first.gc };
    }
    if (action === 'widget') {
      // The size of one settled AccuracyWidget: 5,000 at a time into a new array, collected at both ends. Every
      // batch is kept alive, so that no earlier garbage is freed inside a reading; the first batches warm the loop
      // (optimized code lands in the heap too) and settle V8's slack tracking; the bench takes the median of the
      // later readings.
      const keep: AccuracyWidget[][] = [];
      const readings: number[] = [];
      for (let run = 0; run < 8; run++) {
        this.#gc();
        const used0 = v8.getHeapStatistics().used_heap_size;
        keep.push(fillWidgets(WIDGETS_PER_CALL));
        this.#gc();
        const used1 = v8.getHeapStatistics().used_heap_size;
        // Less the holding array: a JSArray and its FixedArray of 5,000 elements.
        if (run >= 3) readings.push((used1 - used0 - arrayBytes(WIDGETS_PER_CALL)) / WIDGETS_PER_CALL);
      }
      return { readings, batches: keep.length };
    }
    return { error: `no action ${action}` };
  }
}

/** Room the largest route needs in the young generation (~21 MB), with margin; the server has 64 MB. */
const YOUNG_ROOM = 32 * 1024 * 1024;

function youngUsed(): number {
  let used = 0;
  for (const space of v8.getHeapSpaceStatistics()) {
    if (space.space_name === 'new_space' || space.space_name === 'new_large_object_space')
      used += space.space_used_size;
  }
  return used;
}

function fillWidgets(count: number): AccuracyWidget[] {
  const holder = new Array<AccuracyWidget>(count);
  for (let i = 0; i < count; i++) holder[i] = new AccuracyWidget(i);
  return holder;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
