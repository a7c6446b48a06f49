import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { type GcLedger, sharedGcLedger } from './backends/gc-ledger.js';
import { CounterWindow } from './backends/process-counters.js';
import { selectBackend } from './backends/select.js';
import { handleDashboard } from './dashboard/handler.js';
import { describeError } from './errors.js';
import { newRequestId } from './ids.js';
import { OnceLogger } from './logger.js';
import { resolveOptions } from './options.js';
import { Session, type SessionHost, type ToolbarInput } from './request-session.js';
import { MemoryStore } from './store/memory.js';
import { Templates } from './templates.js';
import { renderToolbar } from './toolbar/render.js';
import type {
  MemoryBackend,
  Ramflow,
  RamflowFailure,
  RamflowOptions,
  RequestInfo,
  RequestRecord,
  RequestSession,
  ResolvedRamflowOptions,
  Store,
} from './types.js';

/** How long finished requests wait before their GC accounting is settled in one batch. */
const SETTLE_DELAY_MS = 10;
/** Give up waiting for a GC's timing after this long (the record then says allocation is unavailable). */
const SETTLE_GIVE_UP_MS = 2000;
/** Most finished-but-unsettled requests held; beyond it the oldest are finalized at once. */
const MAX_PENDING = 10_000;

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

class RamflowInstance implements Ramflow, SessionHost {
  readonly options: ResolvedRamflowOptions;
  readonly backend: MemoryBackend;
  readonly store: Store;
  readonly #log: OnceLogger;
  #ledgerRef: GcLedger | undefined;
  #templates: Templates | undefined;
  #pending: Session[] = [];
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  startedCount = 0;
  activeCount = 0;

  constructor(input: RamflowOptions | undefined) {
    this.options = resolveOptions(input);
    this.#log = new OnceLogger(this.options.logger);
    this.backend = selectBackend(this.options);
    this.store =
      this.options.store ?? new MemoryStore({ maxRecords: this.options.historySize, maxBytes: this.options.historyBytes });
    const { environment } = this.options;
    if (this.options.enabled !== false && !['unset', 'development', 'test'].includes(environment)) {
      this.#log.once('warn', 'production', `enabled with NODE_ENV=${environment}: heap data can contain secrets; only requests your \`allow\` function admits are profiled.`);
    }
    if (this.options.enabled !== false) {
      this.#log.once('info', 'backend', `memory backend "${this.backend.name}" (${this.backend.reason}); dashboard at ${this.options.basePath}`);
    }
  }

  /** The process's GC ledger, acquired on first use so a disabled ramflow starts no profiler. */
  get #ledger(): GcLedger {
    if (this.#ledgerRef === undefined) {
      this.#ledgerRef = sharedGcLedger();
      this.#ledgerRef.acquire();
    }
    return this.#ledgerRef;
  }

  get basePath(): string {
    return this.options.basePath;
  }
  get backendName(): RequestRecord['backend']['name'] {
    return this.backend.name;
  }
  get backendReason(): string {
    return this.backend.reason;
  }
  get serverTimingMetrics() {
    return this.options.serverTiming;
  }
  get toolbarEnabled(): boolean {
    return this.options.toolbar;
  }
  get templates(): Templates {
    this.#templates ??= new Templates();
    return this.#templates;
  }
  get severity() {
    return this.options.severity;
  }

  isOwnPath(url: string): boolean {
    const base = this.options.basePath;
    return url === base || (url.startsWith(base) && (url[base.length] === '/' || url[base.length] === '?'));
  }

  /** Enabled for this request and the client allowed. Logs (once per address) why a client was refused. */
  #admits(request: RequestInfo): boolean {
    const { enabled, allow } = this.options;
    if (enabled === false) return false;
    if (typeof enabled === 'function' && !enabled(request)) return false;
    if (allow(request)) return true;
    if (!this.options.allowIsCustom) {
      this.#log.once(
        'info',
        `refused:${request.remoteAddress}`,
        `not profiling requests from ${request.remoteAddress ?? 'an unknown address'}: by default only loopback clients are served ` +
          "(heap data contains secrets). Behind Docker or a VM, pass `allow: (req) => …`; behind a proxy, set your framework's trust-proxy option.",
      );
    }
    return false;
  }

  #ignored(path: string): boolean {
    for (const rule of this.options.ignore) {
      if (typeof rule === 'string' ? path.startsWith(rule) : rule.test(path)) return true;
    }
    return false;
  }

  start(request: RequestInfo): RequestSession | undefined {
    if (this.options.enabled === false || this.#closed) return undefined;
    const began = performance.now();
    try {
      const path = pathOf(request.url);
      if (this.isOwnPath(path) || this.#ignored(path) || !this.#admits(request)) return undefined;
      const id = newRequestId();
      const counters = new CounterWindow(this.#ledger, this.options.heapDelta);
      let backendWindow: ReturnType<MemoryBackend['open']>;
      try {
        backendWindow = this.backend.open(id);
      } catch (error) {
        this.#log.once('error', 'backend-open', `memory backend "${this.backend.name}" failed to open a window: ${describeError(error).message}`);
      }
      this.startedCount++;
      this.activeCount++;
      return new Session(this, id, request, counters, backendWindow, performance.now() - began);
    } catch (error) {
      this.#log.once('error', 'start', `could not start profiling a request: ${describeError(error).message}`);
      return undefined;
    }
  }

  renderToolbar(input: ToolbarInput): string {
    return renderToolbar(this.templates, input, this.options.basePath, this.options.severity);
  }

  nonceFor(request: IncomingMessage, response: ServerResponse): string | undefined {
    const source = this.options.cspNonce;
    if (source === undefined) return undefined;
    try {
      const nonce = source(request, response);
      return typeof nonce === 'string' && /^[A-Za-z0-9+/=_-]+$/.test(nonce) ? nonce : undefined;
    } catch (error) {
      this.#log.once('error', 'nonce', `cspNonce threw: ${describeError(error).message}; the toolbar is injected without a nonce.`);
      return undefined;
    }
  }

  recordFailure(failure: RamflowFailure, error: unknown): void {
    this.#log.once('error', `failure:${failure.stage}:${failure.message}`, `internal failure during ${failure.stage} (the response is unaffected): ${describeError(error).message}`);
  }

  sessionEnded(session: Session): void {
    this.activeCount--;
    session.freezeConcurrency();
    this.#pending.push(session);
    if (this.#pending.length > MAX_PENDING) this.#drain(true);
    else this.#schedule();
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#drain(false);
    }, SETTLE_DELAY_MS);
    this.#timer.unref();
  }

  /** Settles GC accounting once for every finished request and stores their records. */
  #drain(force: boolean): Promise<void> {
    if (this.#pending.length === 0) return Promise.resolve();
    this.#ledger.settle();
    const now = performance.now();
    const ready: Session[] = [];
    const waiting: Session[] = [];
    for (const session of this.#pending) {
      if (force || session.counters.settled || now - session.finishedAt > SETTLE_GIVE_UP_MS) ready.push(session);
      else waiting.push(session);
    }
    this.#pending = waiting;
    if (waiting.length > 0) this.#schedule();
    const oldestOpen = waiting.reduce((min, s) => Math.min(min, s.counters.t0), now - SETTLE_GIVE_UP_MS * 2);
    this.#ledger.forgetBefore(oldestOpen - 60_000);
    if (ready.length === 0) return Promise.resolve();
    // One process-wide reading per batch: RSS and ArrayBuffers are process figures, not per-request ones.
    let processFigures: { rss: number; arrayBuffers: number } | undefined;
    try {
      const usage = process.memoryUsage();
      processFigures = { rss: usage.rss, arrayBuffers: usage.arrayBuffers };
    } catch {
      processFigures = undefined;
    }
    return Promise.all(ready.map((session) => this.#store(session, processFigures))).then(() => undefined);
  }

  async #store(session: Session, processFigures: { rss: number; arrayBuffers: number } | undefined): Promise<void> {
    let extra: Partial<RequestRecord> | undefined;
    try {
      extra = (await session.backendWindow?.close()) ?? undefined;
    } catch (error) {
      session.failures.push({ code: 'RAMFLOW_BACKEND', message: describeError(error).message, stage: 'backend' });
      this.#log.once('error', 'backend-close', `memory backend "${this.backend.name}" failed: ${describeError(error).message}`);
    }
    try {
      const record = session.toRecord(session.counters.figures(processFigures), extra);
      await this.store.add(record);
    } catch (error) {
      this.#log.once('error', 'store', `could not store a request record: ${describeError(error).message}`);
    }
  }

  async flush(): Promise<void> {
    // GC timings arrive from the observer a loop turn after the collection: wait for them briefly.
    for (let attempt = 0; attempt < 20 && this.#pending.length > 0; attempt++) {
      await this.#drain(false);
      if (this.#pending.length === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await this.#drain(true);
  }

  async handle(request: RequestInfo, req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (this.#closed || !this.#admits(request)) {
        res.statusCode = 404;
        res.setHeader('content-type', 'text/plain; charset=utf-8');
        res.end('Not Found');
        return;
      }
      await handleDashboard(this, req, res, request.url);
    } catch (error) {
      this.#log.once('error', 'dashboard', `dashboard failed: ${describeError(error).message}`);
      if (!res.headersSent) {
        res.statusCode = 500;
        res.setHeader('content-type', 'text/plain; charset=utf-8');
        res.end('ramflow dashboard error');
      } else {
        res.destroy();
      }
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flush();
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#ledgerRef?.release();
    this.#ledgerRef = undefined;
    await this.backend.close();
  }
}

/**
 * Creates the framework-neutral ramflow lifecycle that adapters drive. Validates options (throws a RamflowError
 * with a fix-it message for bad ones); nothing it returns throws on the request path.
 */
export function createRamflow(options?: RamflowOptions): Ramflow {
  return new RamflowInstance(options);
}
