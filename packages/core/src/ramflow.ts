// This file is long because it is `createRamflow()`, the instance adapters drive: admission (enabled, Host, allow, on-demand
// views), the backends and snapshots it starts lazily, the dashboard it serves and its shutdown. The request
// itself lives in lifecycle/session.ts and its settling in lifecycle/settle-queue.ts.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { HeapSnapshotService, type SnapshotWindow } from './backends/heap-snapshot/heap-snapshot-service.js';
import type { SnapshotSide } from './backends/heap-snapshot/snapshot-files.js';
import { selectBackend } from './backends/select.js';
import { handleDashboard } from './dashboard/handler.js';
import { describeError } from './errors.js';
import { newRequestId } from './ids.js';
import {
  type ProcessInsights,
  releaseProcessInsights,
  sharedProcessInsights,
} from './insights/process-insights.js';
import { type GateAdmission, IsolationGate } from './lifecycle/isolation-gate.js';
import { Session, type SessionConfig, type SessionHost, type SessionWindows } from './lifecycle/session.js';
import { type ProcessFigures, SettleQueue } from './lifecycle/settle-queue.js';
import { OnceLogger } from './logger.js';
import { CounterWindow } from './measure/counter-window.js';
import { type GcLedger, sharedGcLedger, type WindowGcSummary } from './measure/gc-ledger.js';
import { isDevelopmentEnvironment, resolveOptions } from './options.js';
import { ownHandle } from './own/handles.js';
import { redactHeapDiff } from './redact.js';
import { crossSiteRefusal, hostnameOf, isAllowedHost, requestHost } from './security.js';
import { MemoryStore } from './store/memory.js';
import { TimeLimitedStore } from './store/time-limited-store.js';
import { renderToolbar, type ToolbarInput, type ToolbarMarkup } from './toolbar/render.js';
import { sharedTemplates, type Templates } from './toolbar/templates.js';
import type {
  BackendWindow,
  IntegrityAudit,
  MemoryBackend,
  MemoryFigures,
  ProcessReport,
  Ramflow,
  RamflowFailure,
  RamflowOptions,
  RequestInfo,
  RequestRecord,
  RequestSession,
  ResolvedRamflowOptions,
  Store,
} from './types.js';

/**
 * With no profiled request in flight or settling for this long, the GC ledger (an observer and a GC profiler,
 * ~8 µs per collection) is released; the next profiled request acquires it again.
 */
const LEDGER_IDLE_MS = 5_000;
/** Longest a request waits in the isolation gate before it runs alongside the others (its record says so). */
const ISOLATION_TIMEOUT_MS = 2000;
const NOT_RUN_REASON = 'nothing was measured: the request never ran while profiled (see its failures)';

/** Figures of a request that was never measured. */
function unmeasuredFigures(reason: string): MemoryFigures {
  return {
    heapDeltaBytes: 0,
    heapDeltaKind: 'raw',
    allocatedBytes: null,
    allocatedUnavailable: reason,
    heapUsedBeforeBytes: 0,
    heapUsedAfterBytes: 0,
    externalDeltaBytes: 0,
    arrayBuffersBytes: null,
    rssBytes: null,
    gc: { count: 0, pauseMs: 0, forced: 0, byKind: {} },
  };
}

/**
 * How the request asks for an on-demand view: its `header` holds `value` (any case), or its query string has
 * `ramflow=<query>`; undefined when it does not.
 */
function asksFor(
  request: RequestInfo,
  header: string,
  value: string,
  query: string,
): 'header' | 'query' | undefined {
  const raw = request.headers[header];
  if ((Array.isArray(raw) ? raw.join(',') : raw)?.toLowerCase().includes(value)) return 'header';
  const at = request.url.indexOf('?');
  return at >= 0 && new URLSearchParams(request.url.slice(at + 1)).get('ramflow') === query
    ? 'query'
    : undefined;
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

/** Releases the GC ledger an instance held when the instance is collected without close() (an app dropped). */
const LEDGER_HOLDERS = new FinalizationRegistry<GcLedger>((ledger) => ledger.release());

class RamflowInstance implements Ramflow, SessionHost {
  readonly options: ResolvedRamflowOptions;
  readonly backend: MemoryBackend;
  readonly store: Store;
  readonly #log: OnceLogger;
  #ledgerRef: GcLedger | undefined;
  #ledgerIdleTimer: NodeJS.Timeout | undefined;
  #warmed = false;
  #closed = false;
  /** Finished requests waiting for their GC accounting, then stored. */
  readonly #settle: SettleQueue<Session>;
  /** Requests that asked for a retained profile, until their backend window opens (bounded by the gate). */
  readonly #retainedIds = new Set<string>();
  #snapshots: HeapSnapshotService | undefined;
  #insights: ProcessInsights | undefined;
  /** Per-process token that state-changing dashboard requests (the integrity audit) must carry. */
  readonly actionToken = randomBytes(16).toString('hex');
  startedCount = 0;
  activeCount = 0;
  readonly gate = new IsolationGate(ISOLATION_TIMEOUT_MS);
  /** What every session reads from the options. */
  readonly config: SessionConfig;

  constructor(input: RamflowOptions | undefined) {
    this.options = resolveOptions(input);
    const self = this;
    this.#settle = new SettleQueue<Session>({
      ledger: () => this.#ledger,
      get activeCount() {
        return self.activeCount;
      },
      complete: (session, summary, processFigures, unavailable) =>
        this.#complete(session, summary, processFigures, unavailable),
    });
    this.#log = new OnceLogger(this.options.logger);
    // A disabled ramflow asks V8 nothing and starts nothing; an enabled one starts its machinery (profilers,
    // observers, timers) only when a request is profiled (see `start`).
    this.backend = selectBackend(this.options, this.options.enabled !== false);
    this.config = {
      basePath: this.options.basePath,
      backend: { name: this.backend.name, reason: this.backend.reason },
      serverTiming: this.options.serverTiming,
      toolbar: this.options.toolbar,
      redact: { query: this.options.redact, referer: this.options.redactReferer },
    };
    // A custom store answers within time limits: one that never answers must not hang the dashboard or pile up.
    this.store =
      this.options.store === undefined
        ? new MemoryStore({ maxRecords: this.options.historySize, maxBytes: this.options.historyBytes })
        : new TimeLimitedStore(this.options.store);
    const { environment } = this.options;
    if (this.options.enabled !== false && !isDevelopmentEnvironment(environment)) {
      this.#log.once(
        'warn',
        'production',
        `enabled with NODE_ENV=${environment}: heap data can contain secrets; only requests your \`allow\` function admits are profiled.`,
      );
    }
    if (this.options.enabled === false && input?.enabled === undefined) {
      // Off because of NODE_ENV, not because the app asked: say so once, with how to turn it on.
      this.#log.once(
        'info',
        'off-by-environment',
        environment === 'test'
          ? 'off under NODE_ENV=test (test suites do not pay for the toolbar); pass `enabled: true` to profile this run.'
          : `off with NODE_ENV=${environment}: ramflow runs by default only in development. To profile here, pass \`enabled: true\` with \`allow: (request) => …\` admitting only you (heap data contains secrets).`,
      );
    }
    if (this.options.enabled !== false) {
      this.#log.once(
        'info',
        'backend',
        `memory backend "${this.backend.name}" (${this.backend.reason}); dashboard at ${this.options.basePath}`,
      );
    }
  }

  /**
   * The process's GC ledger, acquired on first use (a disabled or refusing ramflow starts no observer or profiler)
   * and released once no profiled request has been in flight or settling for LEDGER_IDLE_MS.
   */
  get #ledger(): GcLedger {
    if (this.#ledgerRef === undefined) {
      this.#ledgerRef = sharedGcLedger();
      this.#ledgerRef.acquire();
      LEDGER_HOLDERS.register(this, this.#ledgerRef, this);
      this.#armLedgerRelease();
    }
    return this.#ledgerRef;
  }

  #armLedgerRelease(): void {
    if (this.#ledgerIdleTimer !== undefined || this.#closed) return;
    // The timer holds the instance weakly: an app dropped without close() is collected at once, and
    // LEDGER_HOLDERS releases what it held.
    const self = new WeakRef(this);
    this.#ledgerIdleTimer = setTimeout(() => {
      const instance = self.deref();
      if (instance !== undefined) instance.#releaseIdleLedger();
    }, LEDGER_IDLE_MS);
    this.#ledgerIdleTimer.unref();
  }

  #releaseIdleLedger(): void {
    this.#ledgerIdleTimer = undefined;
    if (this.#ledgerRef === undefined) return;
    if (this.activeCount > 0 || this.#settle.size > 0 || this.gate.inside > 0 || this.gate.waiting > 0) {
      this.#armLedgerRelease();
      return;
    }
    this.#releaseLedger();
  }

  #releaseLedger(): void {
    LEDGER_HOLDERS.unregister(this);
    this.#ledgerRef?.release();
    this.#ledgerRef = undefined;
  }

  /**
   * The process view, started with the first profiled request (or the first look at it). One per process, shared
   * by every instance, which it holds weakly (see sharedProcessInsights).
   */
  get #processInsights(): ProcessInsights {
    this.#insights ??= sharedProcessInsights(this);
    return this.#insights;
  }

  get basePath(): string {
    return this.options.basePath;
  }
  get templates(): Templates {
    return sharedTemplates();
  }
  get severity() {
    return this.options.severity;
  }
  get allowHeapSnapshots(): boolean {
    return this.options.allowHeapSnapshots;
  }
  get editorUrl(): string | false {
    return this.options.editorUrl;
  }

  isOwnPath(url: string): boolean {
    const base = this.options.basePath;
    return url === base || (url.startsWith(base) && (url[base.length] === '/' || url[base.length] === '?'));
  }

  /**
   * Enabled for this request, a Host ramflow answers for, and the client allowed. Logs once why a request was
   * refused, with how to change it.
   */
  #admits(request: RequestInfo): boolean {
    const { enabled, allow } = this.options;
    if (enabled === false) return false;
    if (typeof enabled === 'function' && !enabled(request)) return false;
    const host = requestHost(request.headers);
    if (!isAllowedHost(host, this.options.allowedHosts)) {
      const name = JSON.stringify(hostnameOf(host ?? '').slice(0, 100));
      this.#log.once(
        'warn',
        'foreign-host',
        `ignoring requests for Host ${name}: ramflow answers only for localhost, *.localhost and IP addresses, so that a web page on another domain resolving to this machine (DNS rebinding) cannot read heap data. ` +
          `If you open the app under this name, add it: allowedHosts: [${name}].`,
      );
      return false;
    }
    if (allow(request)) return true;
    if (!this.options.allowIsCustom) {
      this.#log.once(
        'info',
        'refused',
        `not profiling requests from ${request.remoteAddress ?? 'an unknown address'} (nor other non-loopback clients): by default only loopback clients are served ` +
          "(heap data contains secrets). Behind Docker or a VM, pass `allow: (req) => …`; behind a proxy, set your framework's trust-proxy option.",
      );
    }
    return false;
  }

  serves(request: RequestInfo): boolean {
    return !this.#closed && this.isOwnPath(pathOf(request.url)) && this.#admits(request);
  }

  /**
   * Why an on-demand view (`what`) asked for by this request must not be given, or undefined when it may: another
   * site must not make the app pause for heap snapshots (an `<img src="…?ramflow=snapshot">` on any page would).
   * The header form needs CORS from another origin, so pages of the same site (another port) may use it.
   */
  #onDemandRefusal(request: RequestInfo, how: 'header' | 'query', what: string): string | undefined {
    const refusal = crossSiteRefusal(request.headers, { sameSite: how === 'header' });
    if (refusal === undefined) return undefined;
    const reason = `${what} was not taken: ${refusal}. Open the link from the app's own pages (or type it), or send the request header from the same site`;
    this.#log.once('warn', `cross-site:${what}`, `${reason}.`);
    return reason;
  }

  #ignored(path: string): boolean {
    for (const rule of this.options.ignore) {
      if (typeof rule === 'string' ? path.startsWith(rule) : rule.test(path)) return true;
    }
    return false;
  }

  /**
   * An on-demand "retained" profile (`?ramflow=retained` or `X-Ramflow-Profile: retained`): the sampling backend
   * shows what the request leaves alive, which needs the request to run alone. A string is why it was refused.
   */
  #wantsRetained(request: RequestInfo): boolean | string {
    if (this.backend.name !== 'sampling') return false;
    const how = asksFor(request, 'x-ramflow-profile', 'retained', 'retained');
    if (how === undefined) return false;
    return this.#onDemandRefusal(request, how, 'the retained view') ?? true;
  }

  /**
   * Heap snapshots before and after this request: every request with `memoryBackend: "heap-snapshot"`, else on
   * demand with `?ramflow=snapshot` or `X-Ramflow-Backend: heap-snapshot`. A string is why it was refused.
   */
  #wantsSnapshot(request: RequestInfo): boolean | string {
    if (this.backend.name === 'heap-snapshot') return true;
    const how = asksFor(request, 'x-ramflow-backend', 'heap-snapshot', 'snapshot');
    if (how === undefined) return false;
    return this.#onDemandRefusal(request, how, 'a heap snapshot') ?? true;
  }

  /**
   * The first profiled request compiles the toolbar's templates (~10-40 ms, once per process) before its windows
   * open, so the cost is in its overhead and not in its figures, and a ramflow that profiles nobody compiles
   * nothing.
   */
  #warmOnce(): void {
    if (this.#warmed) return;
    this.#warmed = true;
    try {
      if (this.options.toolbar) this.templates.warm(['toolbar', 'calls']);
    } catch (error) {
      this.#log.once(
        'error',
        'templates',
        `could not load the toolbar templates: ${describeError(error).message}`,
      );
    }
  }

  /** Notes a retained view to open for `id` when its window opens; bounded. */
  #markRetained(id: string): void {
    this.#retainedIds.add(id);
    // Bounded: an id whose request left before its window opened is dropped once others follow.
    if (this.#retainedIds.size > 64)
      this.#retainedIds.delete(this.#retainedIds.values().next().value as string);
  }

  start(request: RequestInfo): RequestSession | undefined {
    if (this.options.enabled === false || this.#closed) return undefined;
    const began = performance.now();
    let exclusive = false;
    let entered = false;
    let admission: Promise<GateAdmission> | undefined;
    try {
      const path = pathOf(request.url);
      if (this.isOwnPath(path) || this.#ignored(path) || !this.#admits(request)) {
        this.backend.noteUnprofiled?.();
        return undefined;
      }
      this.#warmOnce();
      const id = newRequestId();
      const wantsSnapshot = this.#wantsSnapshot(request);
      const wantsRetained = this.#wantsRetained(request);
      const snapshot = wantsSnapshot === true;
      if (wantsRetained === true) this.#markRetained(id);
      exclusive = wantsRetained === true || snapshot || this.options.isolate;
      admission = this.gate.enter(exclusive);
      entered = true;
      const session = this.#openSession(request, id, exclusive, admission, snapshot, began);
      if (typeof wantsSnapshot === 'string') session.refuseSnapshot(wantsSnapshot);
      if (typeof wantsRetained === 'string') session.noteRefused(wantsRetained);
      return session;
    } catch (error) {
      // Out of the gate again, or it would hold back every later request.
      if (entered && (admission === undefined || !this.gate.withdraw(admission))) this.gate.leave(exclusive);
      this.#log.once(
        'error',
        'start',
        `could not start profiling a request: ${describeError(error).message}`,
      );
      return undefined;
    }
  }

  /** The session of an admitted request: its windows open now, or once the isolation gate lets it through. */
  #openSession(
    request: RequestInfo,
    id: string,
    exclusive: boolean,
    gateAdmission: Promise<GateAdmission> | undefined,
    snapshot: boolean,
    began: number,
  ): Session {
    // The before snapshot is taken asynchronously (by a worker), so such a request always waits for `ready`.
    const admission =
      snapshot && gateAdmission === undefined
        ? Promise.resolve({ waitedMs: 0, timedOut: false, admitted: true })
        : gateAdmission;
    // Its windows open when the gate admits it (`session.ready`), or at once: the session opens them.
    return new Session({
      host: this,
      id,
      request,
      startCost: performance.now() - began,
      exclusive,
      admission,
      wantsSnapshot: snapshot,
    });
  }

  #openBackendWindow(id: string): BackendWindow | undefined {
    try {
      const retained = this.#retainedIds.delete(id);
      return retained ? this.backend.open(id, { retained }) : this.backend.open(id);
    } catch (error) {
      this.#log.once(
        'error',
        'backend-open',
        `memory backend "${this.backend.name}" failed to open a window: ${describeError(error).message}`,
      );
      return undefined;
    }
  }

  openWindows(id: string): SessionWindows | undefined {
    if (this.#closed) return undefined;
    // The backend opens first: its boundary marker must not count as the request's allocation.
    const backendWindow = this.#openBackendWindow(id);
    const counters = new CounterWindow(this.#ledger, this.options.heapDelta);
    this.startedCount++;
    this.activeCount++;
    return { counters, backendWindow };
  }

  beginSnapshot(id: string): Promise<SnapshotWindow | string> {
    try {
      // What the snapshot does to RSS is ramflow's, not the app's: the process view leaves it out of its peak.
      this.#processInsights.ownSpikeStarted();
      this.#snapshots ??= new HeapSnapshotService({
        keepFiles: this.options.allowHeapSnapshots,
        memoryLimit: this.options.heapSnapshotMemoryLimit,
        maxPauseMs: this.options.heapSnapshotMaxPauseMs,
      });
      return this.#snapshots.begin(id).then((outcome) => {
        if (typeof outcome === 'string')
          this.#log.once('warn', `snapshot:${outcome.slice(0, 40)}`, `heap snapshot not taken: ${outcome}`);
        return outcome;
      });
    } catch (error) {
      const reason = `heap snapshots are unavailable: ${describeError(error).message}`;
      this.#log.once('error', 'snapshot-service', reason);
      return Promise.resolve(reason);
    }
  }

  processReport(): ProcessReport {
    return this.#processInsights.report();
  }

  runAudit(): IntegrityAudit {
    return this.#processInsights.audit();
  }

  /** A kept `.heapsnapshot` file for download (`allowHeapSnapshots`), or undefined. */
  snapshotFile(id: string, side: SnapshotSide): string | undefined {
    return this.options.allowHeapSnapshots ? this.#snapshots?.file(id, side) : undefined;
  }

  renderToolbar(input: ToolbarInput): ToolbarMarkup {
    return renderToolbar(this.templates, input, this.options.basePath, this.options.severity);
  }

  nonceFor(request: IncomingMessage, response: ServerResponse): string | undefined {
    const source = this.options.cspNonce;
    if (source === undefined) return undefined;
    try {
      const nonce = source(request, response);
      return typeof nonce === 'string' && /^[A-Za-z0-9+/=_-]+$/.test(nonce) ? nonce : undefined;
    } catch (error) {
      this.#log.once(
        'error',
        'nonce',
        `cspNonce threw: ${describeError(error).message}; the toolbar is injected without a nonce.`,
      );
      return undefined;
    }
  }

  recordFailure(failure: RamflowFailure, error: unknown): void {
    this.#log.once(
      'error',
      `failure:${failure.stage}:${failure.message}`,
      `internal failure during ${failure.stage} (the response is unaffected): ${describeError(error).message}`,
    );
  }

  sessionEnded(session: Session): void {
    if (!session.opened) {
      // It never ran while profiled (the client went away while it waited in the gate): nothing to settle.
      if (!this.#closed) void this.#storeRecord(session, unmeasuredFigures(NOT_RUN_REASON), undefined);
      return;
    }
    this.activeCount--;
    session.freezeConcurrency();
    this.#processInsights.requestEnded(session.id, session.route);
    this.#settle.add(session);
  }

  async #complete(
    session: Session,
    summary: WindowGcSummary,
    processFigures: ProcessFigures | undefined,
    unavailable: string | undefined,
  ): Promise<void> {
    let memory: MemoryFigures;
    try {
      memory = session.counters.figures(summary, processFigures, unavailable);
    } catch (error) {
      this.#log.once(
        'error',
        'figures',
        `could not compute a request's figures: ${describeError(error).message}`,
      );
      return;
    }
    let extra: Partial<RequestRecord> | undefined;
    try {
      extra = (await session.backendWindow?.close(memory)) ?? undefined;
    } catch (error) {
      session.failures.push({
        code: 'RAMFLOW_BACKEND',
        message: describeError(error).message,
        stage: 'backend',
      });
      this.#log.once(
        'error',
        'backend-close',
        `memory backend "${this.backend.name}" failed: ${describeError(error).message}`,
      );
    }
    try {
      const heap = await session.snapshotResult();
      if (heap?.heap !== undefined && this.options.redactReferer) heap.heap = redactHeapDiff(heap.heap);
      if (heap !== undefined) extra = { ...extra, ...heap };
    } catch (error) {
      extra = { ...extra, heapUnavailable: `the heap snapshot failed: ${describeError(error).message}` };
    }
    await this.#storeRecord(session, memory, extra);
  }

  async #storeRecord(
    session: Session,
    memory: MemoryFigures,
    extra: Partial<RequestRecord> | undefined,
  ): Promise<void> {
    try {
      const record = session.toRecord(memory, extra);
      const notInjected = session.notInjected;
      if (notInjected !== undefined && this.options.toolbar)
        this.#log.once(
          'info',
          `not-injected:${notInjected.kind}`,
          `no toolbar on ${session.route} (and others like it): ${notInjected.message}. The request page says why for each request; see "When the toolbar doesn't show" in the README.`,
        );
      this.#insights?.recordStored(record);
      await this.store.add(record);
    } catch (error) {
      this.#log.once('error', 'store', `could not store a request record: ${describeError(error).message}`);
    }
  }

  async flush(): Promise<void> {
    // A client can read a response before the server's 'close' event for it runs: let those events run first.
    if (this.activeCount > 0) await new Promise((resolve) => setImmediate(resolve));
    // Windows that ended get their backend data now (a sampling fetch), so their records can be completed.
    this.#flushBackend();
    // Let the GC observer deliver collections up to now (it dispatches in the check phase).
    for (let attempt = 0; attempt < 3 && this.#settle.size > 0; attempt++) {
      const horizon = performance.now();
      await new Promise((resolve) => setImmediate(resolve));
      this.#flushBackend();
      await this.#settle.drain({ force: false, mayCollect: true, horizon });
    }
    this.#flushBackend();
    await this.#settle.drain({ force: true, mayCollect: false });
    // Records a timer started completing before this flush (e.g. waiting for a heap snapshot's analysis).
    await this.#settle.settled();
  }

  #flushBackend(): void {
    try {
      this.backend.flush?.();
    } catch (error) {
      this.#log.once(
        'error',
        'backend-flush',
        `memory backend "${this.backend.name}" failed to flush: ${describeError(error).message}`,
      );
    }
  }

  async handle(request: RequestInfo, req: IncomingMessage, res: ServerResponse): Promise<void> {
    // ramflow's own exchanges (the toolbar fetching a record right after the page) may be in flight while a heap
    // snapshot is taken: what they hold is ramflow's, not the profiled request's (own-handles.ts).
    if (this.#snapshots !== undefined) {
      ownHandle(req);
      ownHandle(res);
    }
    try {
      // Adapters ask `serves` first and pass refused requests on to the app; this answer is a fallback.
      if (this.#closed || !this.#admits(request)) {
        res.statusCode = 404;
        res.setHeader('content-type', 'text/plain; charset=utf-8');
        res.end('Not Found');
        return;
      }
      await handleDashboard(this, req, res, request.url);
    } catch (error) {
      const timedOut = (error as { code?: string }).code === 'RAMFLOW_STORE_TIMEOUT';
      const { message } = describeError(error);
      this.#log.once('error', timedOut ? 'dashboard-store' : 'dashboard', `dashboard failed: ${message}`);
      if (!res.headersSent) {
        res.statusCode = timedOut ? 503 : 500;
        res.setHeader('content-type', 'text/plain; charset=utf-8');
        res.end(timedOut ? `ramflow: ${message.replace(/^ramflow: /, '')}` : 'ramflow dashboard error');
      } else {
        res.destroy();
      }
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flush();
    this.#closed = true;
    this.#settle.close();
    if (this.#ledgerIdleTimer) clearTimeout(this.#ledgerIdleTimer);
    this.#releaseLedger();
    await this.backend.close();
    await this.#snapshots?.close();
    this.#snapshots = undefined;
    if (this.#insights !== undefined) releaseProcessInsights(this);
  }
}

/**
 * Creates the framework-neutral ramflow lifecycle that adapters drive. Validates options (throws a RamflowError
 * with a fix-it message for bad ones); nothing it returns throws on the request path.
 */
export function createRamflow(options?: RamflowOptions): Ramflow {
  return new RamflowInstance(options);
}
