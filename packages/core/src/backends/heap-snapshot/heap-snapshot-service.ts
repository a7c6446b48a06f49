// This file is long because it is the main-thread half of the snapshot worker's protocol: the guard's refusal, the
// worker's lifecycle and the before/after window a request holds, which share one state machine.
import { Worker } from 'node:worker_threads';
import { describeError } from '../../errors.js';
import { getForceGc } from '../../measure/force-gc.js';
import { ramflowPrefixes } from '../../own/code.js';
import { liveOwnHandles } from '../../own/handles.js';
import type { HeapObjectsDiff, RequestRecord } from '../../types.js';
import { holdObjectIds } from '../inspector/object-id-lease.js';
import { IN_FLIGHT_KEY, OWN_HANDLES_KEY } from './own-objects.js';
import { SnapshotFiles, type SnapshotSide } from './snapshot-files.js';
import {
  estimateSnapshot,
  memoryCeiling,
  modelPauseMs,
  readSnapshotFigures,
  type SnapshotFigures,
  snapshotRefusal,
} from './snapshot-guard.js';
import type { WorkerReply, WorkerRequest } from './snapshot-protocol.js';

/** The worker is stopped after this long without a snapshot, returning its memory. */
const WORKER_IDLE_MS = 60_000;
/**
 * A snapshot and its analysis are given up (and the worker restarted) after this long, so a stuck worker can
 * neither hold snapshot requests nor make `flush` wait forever. A 1 GB heap takes about 1-2 minutes to snapshot.
 */
const SNAPSHOT_TIMEOUT_MS = 10 * 60_000;
/**
 * While the worker waits for the main thread to take a snapshot, the main thread runs a no-op this often. The
 * worker's inspector commands reach the main thread as V8 interrupts, serviced when JavaScript runs; an idle main
 * thread sometimes left them waiting until something else ran (25 s here, in 1 of 6 runs of the browser test).
 */
const PUMP_INTERVAL_MS = 5;

/** The worker's module next to this one: `.ts` when run from source, `.mjs`/`.cjs` from the build. */
function workerUrl(): URL {
  const self = import.meta.url;
  const extension = self.slice(self.lastIndexOf('.'));
  return new URL(`./snapshot-worker${extension}`, self);
}

/** Where the after snapshot finds the request's own req/res (see own-objects.ts). */
const IN_FLIGHT = Symbol.for(IN_FLIGHT_KEY);
/** Where it finds ramflow's own objects that Node holds natively (see own-handles.ts). */
const OWN_HANDLES = Symbol.for(OWN_HANDLES_KEY);

/** The process's execArgv without the flags a worker rejects or must not inherit (see #ensureWorker). */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] as string;
    const name = arg.split('=')[0] as string;
    if (['--input-type', '--eval', '-e', '--print', '-p'].includes(name) || name.startsWith('--test')) {
      // The value in the next argument, for the flags that take one and were not given `=value`.
      if (!arg.includes('=') && ['--input-type', '--eval', '-e', '--print', '-p'].includes(name)) i++;
      continue;
    }
    out.push(arg);
  }
  return out;
}

type BeforeReply = Extract<WorkerReply, { op: 'before' }>;
type TakenReply = Extract<WorkerReply, { op: 'taken' }>;
type AfterReply = Extract<WorkerReply, { op: 'after' }>;

interface Waiter {
  resolve(reply: WorkerReply): void;
  reject(error: Error): void;
}

export interface HeapSnapshotServiceOptions {
  /** Keep the `.heapsnapshot` files for download. */
  keepFiles: boolean;
  /** The memory the process may use during a snapshot (`heapSnapshotMemoryLimit`); default: cgroup or host. */
  memoryLimit: number | undefined;
  /** The longest pause one snapshot may cause (`heapSnapshotMaxPauseMs`). */
  maxPauseMs: number;
}

/** A snapshot of less object-dense heap than this does not calibrate the pause estimate (too few to say). */
const CALIBRATION_MIN_DENSE_MB = 8;

/**
 * Heap snapshots before and after one request, taken and analysed by a worker thread (snapshot-worker.ts). One
 * request at a time: `begin` refuses while another one is running, or when the process lacks the memory for it.
 */
export class HeapSnapshotService {
  readonly files = new SnapshotFiles();
  #worker: Worker | undefined;
  readonly #waiters = new Map<string, Waiter>();
  #busy: string | undefined;
  #idLease: (() => void) | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #pump: NodeJS.Timeout | undefined;
  #closed = false;
  /** Snapshots taken and refused, for the backend stats. */
  readonly counts = { taken: 0, refused: 0, failed: 0 };
  /** How much slower than the model this process's last snapshot request was (see estimateSnapshot). */
  #slowdown = 1;
  /** The heap's figures when the running snapshot request began. */
  #figures: SnapshotFigures | undefined;

  constructor(readonly options: HeapSnapshotServiceOptions) {}

  /**
   * Takes the before snapshot for a request (the process is blocked while V8 writes it). Resolves to the window
   * to end when the response finishes, or to the reason no snapshot is taken. Never rejects.
   */
  async begin(id: string): Promise<SnapshotWindow | string> {
    if (this.#closed) return 'ramflow is closing';
    if (this.#busy !== undefined)
      return 'another heap snapshot was in progress (snapshots run one at a time); ask again once it is done';
    let refusal: string | undefined;
    try {
      refusal = this.#refusal();
      // The used heap counts garbage not collected yet, which V8 collects before a snapshot anyway: before
      // refusing, decide on the live heap (a full GC: ~1 ms per MB of heap, against 120-270 ms per MB to snapshot it).
      if (refusal !== undefined) {
        getForceGc()();
        refusal = this.#refusal();
      }
    } catch (error) {
      refusal = `could not check whether a heap snapshot may be taken: ${describeError(error).message}`;
    }
    if (refusal !== undefined) {
      this.counts.refused++;
      return refusal;
    }
    this.#setBusy(id);
    const paths = this.options.keepFiles ? this.files.reserve(id) : undefined;
    try {
      const request: WorkerRequest = { op: 'before', id };
      if (paths !== undefined) request.file = paths.before;
      const before = (await this.#ask(request, `before:${id}`)) as BeforeReply;
      return new SnapshotWindow(this, id, before, paths);
    } catch (error) {
      this.#setBusy(undefined);
      this.counts.failed++;
      if (paths !== undefined) this.files.discard(id);
      return `the heap snapshot before the request failed: ${describeError(error).message}`;
    }
  }

  /** Ends a window: takes the after snapshot; resolves once it is taken, then once analysed. */
  finishWindow(
    window: SnapshotWindow,
    file: string | undefined,
    inFlight: readonly object[] = [],
  ): { taken: Promise<TakenReply>; analysed: Promise<AfterReply> } {
    const request: WorkerRequest = {
      op: 'after',
      id: window.id,
      beforeMaxJsObjectId: window.before.maxJsObjectId,
      // The packages' code, not their tests or examples.
      ownCode: ramflowPrefixes().flatMap((root) => [`${root}dist/`, `${root}src/`]),
    };
    if (file !== undefined) request.file = file;
    // The request's own req/res, where the snapshot shows them (IN_FLIGHT_KEY): the diff leaves out what only they
    // hold. Cleared once the snapshot is taken.
    const slot = globalThis as Record<symbol, unknown>;
    if (inFlight.length > 0) slot[IN_FLIGHT] = [...inFlight];
    const handles = liveOwnHandles();
    if (handles.length > 0) slot[OWN_HANDLES] = handles;
    const analysed = this.#ask(request, `after:${window.id}`) as Promise<AfterReply>;
    const taken = new Promise<TakenReply>((resolve, reject) => {
      this.#waiters.set(`taken:${window.id}`, {
        resolve: (reply) => resolve(reply as TakenReply),
        reject,
      });
      analysed.catch(reject);
    });
    const done = () => {
      if (inFlight.length > 0) delete slot[IN_FLIGHT];
      if (handles.length > 0) delete slot[OWN_HANDLES];
      if (this.#busy === window.id) this.#setBusy(undefined);
      this.#armIdle();
    };
    taken.then(
      (reply) => this.#calibrate(Math.max(window.before.ms, reply.ms)),
      () => {},
    );
    taken.then(done, done);
    // A failure is reported through `analysed`; `taken` only signals that the process runs freely again.
    taken.catch(() => {});
    analysed.then(
      () => this.counts.taken++,
      () => {
        this.counts.failed++;
        this.files.discard(window.id);
      },
    );
    return { taken, analysed };
  }

  /** Why a snapshot must not be taken now (snapshot-guard.ts), from the heap's figures now. */
  #refusal(): string | undefined {
    const figures = readSnapshotFigures();
    this.#figures = figures;
    const limits = { maxPauseMs: this.options.maxPauseMs, ceiling: memoryCeiling(this.options.memoryLimit) };
    return snapshotRefusal(figures, limits, estimateSnapshot(figures, this.#slowdown));
  }

  /** The slower of a request's two snapshots against the model's estimate for the heap it began with. */
  #calibrate(pauseMs: number): void {
    const figures = this.#figures;
    if (figures === undefined) return;
    const large = Math.min(figures.largeObjectBytes, figures.heapUsed);
    if ((figures.heapUsed - large) / (1024 * 1024) < CALIBRATION_MIN_DENSE_MB) return;
    this.#slowdown = pauseMs / modelPauseMs(figures.heapUsed - large, large);
  }

  /**
   * The request whose window is open (before snapshot taken, after snapshot not yet), or none. While one is, V8's
   * object ids must not be reset: it holds a lease on them (object-id-lease.ts).
   */
  #setBusy(id: string | undefined): void {
    this.#busy = id;
    if (id !== undefined) {
      this.#idLease?.();
      this.#idLease = holdObjectIds();
    } else {
      this.#idLease?.();
      this.#idLease = undefined;
    }
  }

  /** A window that will not be ended (its request went away before it ran): the service is free again. */
  release(window: SnapshotWindow): void {
    if (this.#busy === window.id) this.#setBusy(undefined);
    this.files.discard(window.id);
    // The worker's inspector session stays connected from a before snapshot to its after one: end it.
    const request: WorkerRequest = { op: 'release', id: window.id };
    this.#worker?.postMessage(request);
    this.#armIdle();
  }

  /** A kept `.heapsnapshot` file of a request, when downloads are allowed and it has not expired. */
  file(id: string, side: SnapshotSide): string | undefined {
    return this.options.keepFiles ? this.files.path(id, side) : undefined;
  }

  get busy(): boolean {
    return this.#busy !== undefined;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#setBusy(undefined);
    if (this.#pump !== undefined) clearInterval(this.#pump);
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
    const worker = this.#worker;
    this.#worker = undefined;
    this.#failAll(new Error('ramflow closed'));
    if (worker !== undefined) await worker.terminate();
    this.files.removeAll();
  }

  #ask(request: WorkerRequest, key: string): Promise<WorkerReply> {
    return new Promise<WorkerReply>((resolve, reject) => {
      let worker: Worker;
      try {
        worker = this.#ensureWorker();
      } catch (error) {
        reject(new Error(`the snapshot worker could not start: ${describeError(error).message}`));
        return;
      }
      if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
      this.#idleTimer = undefined;
      const timer = setTimeout(() => {
        this.#waiters.delete(key);
        reject(
          new Error(`the snapshot worker did not answer within ${SNAPSHOT_TIMEOUT_MS / 60_000} minutes`),
        );
        // Whatever it is stuck on, a fresh worker serves the next snapshot.
        if (this.#worker === worker) {
          this.#worker = undefined;
          this.#failAll(new Error('the snapshot worker was restarted'));
          void worker.terminate();
        }
      }, SNAPSHOT_TIMEOUT_MS);
      timer.unref();
      this.#waiters.set(key, {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.#pump ??= setInterval(() => {
        if (this.#waiters.size === 0) {
          clearInterval(this.#pump);
          this.#pump = undefined;
        }
      }, PUMP_INTERVAL_MS);
      worker.postMessage(request);
    });
  }

  #ensureWorker(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    // A small young generation: the parser's garbage is short-lived chunk strings, and the worker's peak memory
    // adds to the app's during a snapshot (measured: 10 MB less at the peak on a 200 MB snapshot, no slower).
    const url = workerUrl();
    // A worker inherits the process's execArgv; the flags that only apply to the main entry (`--input-type` with
    // `-e`, `--eval`, `--print`, `--test` and its options) would make it fail to start, so they are left out. Only
    // then is the list given explicitly: an explicit list may not hold V8 or per-process flags (which an inherited
    // one may), so those are dropped as the Worker constructor names them.
    const resourceLimits = { maxYoungGenerationSizeMb: 4 };
    let execArgv: string[] | undefined = workerExecArgv(process.execArgv);
    if (execArgv.length === process.execArgv.length) execArgv = undefined;
    // From source (the `@ramflow/source` condition, under tsx) the worker is a .ts file, and Node 20 applies no
    // `--import` loader to a worker's entry: register tsx inside the worker first.
    const create = (argv: string[] | undefined): Worker => {
      const options = argv === undefined ? { resourceLimits } : { resourceLimits, execArgv: argv };
      return url.href.endsWith('.ts')
        ? new Worker(
            `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`,
            { ...options, eval: true },
          )
        : new Worker(url, options);
    };
    let worker: Worker;
    try {
      worker = create(execArgv);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (execArgv === undefined || code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
      const rejected = new Set(
        String((error as Error).message)
          .replace(/^[^:]*:\s*/, '')
          .split(/,\s*/),
      );
      worker = create(execArgv.filter((arg) => !rejected.has(arg)));
    }
    // The worker never keeps the app alive; the main thread waits on its replies only while a snapshot runs.
    worker.unref();
    worker.on('message', (reply: WorkerReply) => this.#onReply(reply));
    worker.on('error', (error) => this.#onWorkerGone(worker, error));
    worker.on('exit', (code) =>
      this.#onWorkerGone(worker, new Error(`the snapshot worker exited (code ${code})`)),
    );
    this.#worker = worker;
    return worker;
  }

  #onReply(reply: WorkerReply): void {
    if (reply.op === 'error') {
      const error = new Error(reply.message);
      for (const key of [`${reply.stage}:${reply.id}`, `taken:${reply.id}`]) {
        const waiter = this.#waiters.get(key);
        this.#waiters.delete(key);
        waiter?.reject(error);
      }
      return;
    }
    const key = `${reply.op}:${reply.id}`;
    const waiter = this.#waiters.get(key);
    this.#waiters.delete(key);
    waiter?.resolve(reply);
  }

  #onWorkerGone(worker: Worker, error: Error): void {
    if (this.#worker !== worker) return;
    this.#worker = undefined;
    this.#failAll(error);
  }

  #failAll(error: Error): void {
    const waiters = [...this.#waiters.values()];
    this.#waiters.clear();
    for (const waiter of waiters) waiter.reject(error);
  }

  #armIdle(): void {
    if (this.#closed || this.#busy !== undefined || this.#waiters.size > 0 || this.#worker === undefined)
      return;
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      if (this.#busy !== undefined || this.#waiters.size > 0) return;
      const worker = this.#worker;
      this.#worker = undefined;
      void worker?.terminate();
    }, WORKER_IDLE_MS);
    this.#idleTimer.unref();
  }
}

/** One request's snapshot window: the before snapshot is taken; `end` takes the after snapshot. */
export class SnapshotWindow {
  #ended: { taken: Promise<TakenReply>; analysed: Promise<AfterReply> } | undefined;

  constructor(
    readonly service: HeapSnapshotService,
    readonly id: string,
    readonly before: BeforeReply,
    readonly paths: Record<SnapshotSide, string> | undefined,
  ) {}

  /**
   * The response finished: take the after snapshot. Resolves once it is taken (the process was blocked until
   * then); the analysis continues in the worker. `inFlight`: the request's own node:http request and response,
   * whose contents die with it (see RequestInfo.rawResponse). Idempotent; never rejects.
   */
  end(inFlight: readonly object[] = []): Promise<void> {
    this.#ended ??= this.service.finishWindow(this, this.paths?.after, inFlight);
    return this.#ended.taken.then(
      () => undefined,
      () => undefined,
    );
  }

  /** The request never ran: no after snapshot. */
  release(): void {
    if (this.#ended === undefined) this.service.release(this);
  }

  /** The record's `heap` (or `heapUnavailable`), once the worker has analysed the after snapshot. */
  async result(): Promise<Partial<RequestRecord>> {
    if (this.#ended === undefined) return { heapUnavailable: 'the request ended before its heap snapshot' };
    try {
      const [taken, after] = await Promise.all([this.#ended.taken, this.#ended.analysed]);
      const heap: HeapObjectsDiff = {
        ...after.diff,
        snapshots: {
          beforeMs: round(this.before.ms),
          afterMs: round(taken.ms),
          beforeBytes: this.before.bytes,
          afterBytes: taken.bytes,
          nodes: after.nodes,
          edges: after.edges,
          analysisMs: round(after.analysisMs),
        },
        downloadable: this.paths !== undefined,
      };
      return { heap };
    } catch (error) {
      return { heapUnavailable: `the heap snapshot could not be analysed: ${describeError(error).message}` };
    }
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
