// This file is long because it is the request lifecycle, top to bottom, in the order a request lives it: admission through the
// isolation gate, the windows, headers, injection, finish and the record. Splitting it would scatter that story.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { SnapshotWindow } from '../backends/heap-snapshot/heap-snapshot-service.js';
import { describeError } from '../errors.js';
import type { CounterWindow, PeekFigures } from '../measure/counter-window.js';
import { plural } from '../plural.js';
import { redactReferer, redactUrl } from '../redact.js';
import {
  flatten,
  injectIntoPage,
  NOT_NAVIGATION,
  type NotInjected,
  notInjectableReason,
  STREAMED,
  TOOLBAR_OFF,
  toolbarCopyBytes,
} from '../response/inject.js';
import { formatServerTiming } from '../response/server-timing.js';
import { requestHost } from '../security.js';
import type { ToolbarInput, ToolbarMarkup } from '../toolbar/render.js';
import type {
  BackendWindow,
  Concurrency,
  HeaderFigures,
  IsolationOutcome,
  MemoryFigures,
  RamflowFailure,
  RequestInfo,
  RequestRecord,
  RequestSession,
  ResponseInfo,
  ServerTimingMetric,
} from '../types.js';
import type { GateAdmission, IsolationGate } from './isolation-gate.js';

/** What a session reads from the ramflow instance's resolved options; fixed for the instance's life. */
export interface SessionConfig {
  readonly basePath: string;
  readonly backend: RequestRecord['backend'];
  readonly serverTiming: readonly ServerTimingMetric[] | false;
  readonly toolbar: boolean;
  /** What `toRecord` removes: secret-named query values, and the Referer's query string. */
  readonly redact: { query: ReadonlyArray<string | RegExp>; referer: boolean };
}

/**
 * What a session asks of the ramflow instance that opened it, and all it asks. The instance, in turn, reads a
 * finished session's windows (`counters`, `backendWindow`) to settle it and `toRecord` to store it.
 */
export interface SessionHost {
  readonly config: SessionConfig;
  /** Serializes profiled requests (`isolate`); every session is inside it (shared or exclusive) while it runs. */
  readonly gate: IsolationGate;
  /** Profiled requests started so far (a counter, for overlap accounting). */
  readonly startedCount: number;
  /** Profiled requests in flight now, this one included. */
  readonly activeCount: number;
  /**
   * Opens the measurement windows of a session the gate has just admitted, and counts it as started and in
   * flight. Undefined when ramflow was closed meanwhile (the request then runs unmeasured).
   */
  openWindows(id: string): SessionWindows | undefined;
  /**
   * Takes the heap snapshot before a request that asked for one (the process is blocked meanwhile). Resolves to
   * the window to end after the response, or to the reason none was taken. Never rejects.
   */
  beginSnapshot(id: string): Promise<SnapshotWindow | string>;
  renderToolbar(input: ToolbarInput): ToolbarMarkup;
  nonceFor(request: IncomingMessage, response: ServerResponse): string | undefined;
  sessionEnded(session: Session): void;
  recordFailure(failure: RamflowFailure, error: unknown): void;
}

/** How a profiled request starts: everything `Session` is constructed from. */
export interface SessionOptions {
  host: SessionHost;
  id: string;
  request: RequestInfo;
  /** What deciding to profile it cost, in ms (its overhead so far). */
  startCost: number;
  /** It runs alone (`isolate`, a retained profile or a heap snapshot): others wait in the gate meanwhile. */
  exclusive: boolean;
  /** The gate's answer when it must wait for admission; undefined when admitted at once. */
  admission: Promise<GateAdmission> | undefined;
  /** Heap snapshots before and after it were asked for (`?ramflow=snapshot`, …). */
  wantsSnapshot: boolean;
}

/** A session's measurement windows. */
export interface SessionWindows {
  counters: CounterWindow;
  backendWindow: BackendWindow | undefined;
}

const NOT_RUN: RamflowFailure = {
  code: 'RAMFLOW_NOT_RUN',
  message:
    'the request ended while it waited for the requests in flight to finish (isolate): it never ran while profiled, so nothing was measured',
  stage: 'isolate',
};

const KEPT_HEADERS = ['user-agent', 'accept', 'content-type', 'referer'] as const;
const HOST_PATTERN = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
const PARENT_PATTERN = /^[0-9a-f]{8}-[0-9a-z]{1,12}$/;

function headerString(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** A browser navigating to a page asks for `text/html`; API clients and fragment loaders ask for any type or JSON. */
function acceptsHtml(accept: string | string[] | undefined): boolean {
  const value = headerString(accept);
  return value?.includes('text/html') === true;
}

/**
 * A page the toolbar may go into is asked of the app uncompressed, as rack-mini-profiler does: a compression
 * middleware registered after ramflow (`compression`, `koa-compress`, `@fastify/compress`) would otherwise compress
 * it before ramflow sees it, and ramflow does not decompress. Only browser navigations on a loopback development
 * server are affected; their other responses (JSON, assets) keep the client's Accept-Encoding.
 */
function askForIdentityEncoding(raw: RequestInfo['raw']): void {
  const headers = raw?.headers;
  if (headers?.['accept-encoding'] !== undefined) headers['accept-encoding'] = 'identity';
}

/** The absolute `X-Ramflow-Link` (relative when the Host header is not a plain host[:port]). */
function linkFor(
  basePath: string,
  id: string,
  host: string | undefined,
  protocol: string | undefined,
): string {
  const path = `${basePath}/requests/${id}`;
  if (host === undefined || !HOST_PATTERN.test(host)) return path;
  return `${protocol ?? 'http'}://${host}${path}`;
}

/** The non-secret request headers a record keeps, and the page that made the request. */
function keptHeaders(source: RequestInfo['headers']): {
  headers: Record<string, string>;
  parentId: string | undefined;
} {
  const headers: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = headerString(source[name]);
    if (value !== undefined) headers[name] = value.slice(0, 500);
  }
  const parent = headerString(source['x-ramflow-parent']);
  return { headers, parentId: parent !== undefined && PARENT_PATTERN.test(parent) ? parent : undefined };
}

/**
 * One profiled request, from `start` to its stored record. Its windows open in `start`, or, when it must wait in
 * the isolation gate, once the gate admits it (`ready`); overlap is counted from then.
 */
export class Session implements RequestSession {
  readonly startedAtMs = Date.now();
  readonly ready: Promise<void> | undefined;
  #counters: CounterWindow | undefined;
  #backendWindow: BackendWindow | undefined;
  #startedSeq = 0;
  #activeAtStart = 0;
  readonly #exclusive: boolean;
  /** Heap snapshots before and after this request were asked for (`?ramflow=snapshot`, …). */
  readonly #wantsSnapshot: boolean;
  #snapshot: SnapshotWindow | undefined;
  #snapshotUnavailable: string | undefined;
  /** The gate counts this session inside (it must leave once). */
  #inside: boolean;
  /** The gate's promise while this session waits (or waited) in it. */
  readonly #ticket: Promise<GateAdmission> | undefined;
  #waitingSince = 0;
  #isolation: IsolationOutcome | undefined;
  #overheadMs = 0;
  #peek: PeekFigures | undefined;
  #concurrencyAtHeaders: Concurrency | undefined;
  #injected = false;
  /** The toolbar rendered at the headers, for a page whose body comes after them (reserveToolbar). */
  #reserved: ToolbarMarkup | undefined;
  /** Why the toolbar was not injected, once a rule said so (see `notInjected`). */
  #notInjected: NotInjected | undefined;
  #finished = false;
  #outcome: { statusCode: number; aborted: boolean; contentType: string | null } | undefined;
  #appError: { name: string; message: string } | undefined;
  #frozenConcurrency: Concurrency | undefined;
  readonly failures: RamflowFailure[] = [];
  finishedAt = 0;
  readonly mayInject: boolean;
  readonly #method: string;
  readonly #url: string;
  readonly #link: string;
  readonly #kept: { headers: Record<string, string>; parentId: string | undefined };
  /** A snapshot request's own node:http request and response, held weakly (see RequestInfo.rawResponse). */
  readonly #inFlight: WeakRef<object>[] = [];

  readonly host: SessionHost;
  readonly id: string;

  constructor({ host, id, request, startCost, exclusive, admission, wantsSnapshot }: SessionOptions) {
    this.host = host;
    this.id = id;
    // Copy the few strings the record needs: a finished session may wait for GC accounting, and must not keep
    // the request (or, through it, the socket) alive meanwhile.
    const headers = request.headers;
    this.#method = request.method;
    this.#url = request.url;
    this.#link = linkFor(host.config.basePath, id, requestHost(headers), request.protocol);
    this.#kept = keptHeaders(headers);
    if (wantsSnapshot) {
      if (request.raw) this.#inFlight.push(new WeakRef(request.raw));
      if (request.rawResponse) this.#inFlight.push(new WeakRef(request.rawResponse));
    }
    this.mayInject = host.config.toolbar && acceptsHtml(headers.accept);
    // HEAD has no body to put the toolbar in: it keeps the encoding a GET without ramflow would describe.
    if (this.mayInject && request.method !== 'HEAD') askForIdentityEncoding(request.raw);
    this.#overheadMs = startCost;
    this.#exclusive = exclusive;
    this.#wantsSnapshot = wantsSnapshot;
    this.#ticket = admission;
    this.#inside = false;
    if (admission === undefined) {
      // Admitted at once: the windows open now, last, so that this session's own making is not in them.
      this.ready = undefined;
      this.#admitted({ waitedMs: 0, timedOut: false, admitted: true });
    } else {
      this.#waitingSince = performance.now();
      this.ready = admission.then((outcome) => this.#admitted(outcome));
    }
  }

  /** The process counters of this request's window. Only for a session whose windows are open (`opened`). */
  get counters(): CounterWindow {
    if (this.#counters === undefined) throw new Error(`request ${this.id} was never measured`);
    return this.#counters;
  }

  get backendWindow(): BackendWindow | undefined {
    return this.#backendWindow;
  }

  /** The windows are open (false while waiting in the gate, and for a request that never ran while profiled). */
  get opened(): boolean {
    return this.#counters !== undefined;
  }

  /**
   * The gate let the request through (at once, or after it waited): take the before snapshot if one was asked
   * for, then open its windows. The one place a session's windows open (never throws; `ready` never rejects).
   */
  #admitted(outcome: GateAdmission): void | Promise<void> {
    // `finish` came first: it withdrew from the gate or left it, and the request is not measured.
    if (this.#finished || !outcome.admitted) return;
    this.#inside = true;
    // Isolation is reported for a request that waited, or that ran alone. Its wait runs until now, when it runs:
    // the gate's own figure stops when it admits, a loop turn earlier, so startedAt + waitedMs is the window's start.
    if (this.#ticket !== undefined)
      this.#isolation = { waitedMs: performance.now() - this.#waitingSince, timedOut: outcome.timedOut };
    else if (this.#exclusive) this.#isolation = { waitedMs: 0, timedOut: false };
    if (!this.#wantsSnapshot) return this.#openWindows();
    const began = performance.now();
    // Requests waiting behind this one do not time out while its snapshot blocks the process (gate.hold).
    const release = this.host.gate.hold();
    return this.host.beginSnapshot(this.id).then((snapshot) => {
      release();
      // The before snapshot blocked the process on this request's behalf: ramflow's overhead.
      this.#overheadMs += performance.now() - began;
      if (typeof snapshot === 'string') this.#snapshotUnavailable = snapshot;
      else if (this.#finished) snapshot.release();
      else this.#snapshot = snapshot;
      if (!this.#finished) this.#openWindows();
    });
  }

  /** Opens the counters and the backend window, after any before snapshot (its collection is not counted). */
  #openWindows(): void {
    const began = performance.now();
    try {
      const windows = this.host.openWindows(this.id);
      if (windows !== undefined) {
        this.#startedSeq = this.host.startedCount;
        this.#activeAtStart = this.host.activeCount - 1;
        this.#counters = windows.counters;
        this.#backendWindow = windows.backendWindow;
      }
    } catch (error) {
      this.#fail('isolate', error);
    }
    this.#overheadMs += performance.now() - began;
  }

  /** A heap snapshot was asked for and refused (cross-site): the record says why instead. */
  refuseSnapshot(reason: string): void {
    this.#snapshotUnavailable = reason;
  }

  /** Something the request asked for was not done: recorded among its failures (the response is unaffected). */
  noteRefused(reason: string): void {
    if (this.failures.length < 20)
      this.failures.push({ code: 'RAMFLOW_REFUSED', message: reason, stage: 'start' });
  }

  /** `GET /path` (no query string): how the process view names the request's route. */
  get route(): string {
    const query = this.#url.indexOf('?');
    return `${this.#method} ${(query < 0 ? this.#url : this.#url.slice(0, query)).slice(0, 200)}`;
  }

  /** The record's heap-snapshot part, once the worker has analysed the after snapshot (may take seconds). */
  async snapshotResult(): Promise<Partial<RequestRecord> | undefined> {
    if (this.#snapshot !== undefined) return this.#snapshot.result();
    if (this.#snapshotUnavailable !== undefined) return { heapUnavailable: this.#snapshotUnavailable };
    if (this.#wantsSnapshot)
      return { heapUnavailable: 'the request ended before its heap snapshot could be taken' };
    return undefined;
  }

  /** Leaves the gate, or gives up waiting in it; exactly once per session. */
  #leaveGate(): void {
    const gate = this.host.gate;
    if (this.#inside) {
      this.#inside = false;
      gate.leave(this.#exclusive);
    } else if (this.#ticket !== undefined) {
      // Still waiting. If the gate admitted it already (the promise is not handled yet), it is inside: leave.
      if (!gate.withdraw(this.#ticket)) gate.leave(this.#exclusive);
      this.#isolation = { waitedMs: performance.now() - this.#waitingSince, timedOut: false };
      if (this.failures.length < 20) this.failures.push({ ...NOT_RUN });
    }
  }

  /** Overlap so far: requests in flight when this one started plus those started since. */
  #concurrency(): Concurrency {
    if (this.#frozenConcurrency) return this.#frozenConcurrency;
    if (this.#counters === undefined) return { exclusive: true, overlapping: 0 };
    const overlapping = this.#activeAtStart + (this.host.startedCount - this.#startedSeq);
    return { exclusive: overlapping === 0, overlapping };
  }

  #fail(stage: string, error: unknown): void {
    const { message } = describeError(error);
    const failure: RamflowFailure = {
      code:
        (error as { code?: unknown })?.code === undefined
          ? 'RAMFLOW_INTERNAL'
          : String((error as { code: unknown }).code),
      message,
      stage,
    };
    if (this.failures.length < 20) this.failures.push(failure);
    this.host.recordFailure(failure, error);
  }

  #figures(): PeekFigures {
    if (this.#peek === undefined) {
      this.#peek = this.counters.peek();
      this.#concurrencyAtHeaders = this.#concurrency();
    }
    return this.#peek;
  }

  #headerFigures(): HeaderFigures {
    const peek = this.#figures();
    return {
      heapDeltaBytes: peek.heapDeltaBytes,
      heapDeltaKind: peek.heapDeltaKind,
      allocatedBytes: peek.allocatedBytes,
      allocatedIsLowerBound: peek.allocatedIsLowerBound,
      gc: { count: peek.gcCount, pauseMs: peek.gcPauseMs },
      concurrency: this.#concurrencyAtHeaders ?? this.#concurrency(),
      overheadMs: this.#overheadMs,
    };
  }

  link(): string {
    return this.#link;
  }

  /** Runs ramflow's own work inside this request's window: left out of its figures. */
  own<T>(work: () => T): T {
    return this.#counters === undefined ? work() : this.#counters.own(work);
  }

  responseHeaders(response: ResponseInfo): Array<[string, string]> {
    // Formatting the headers is ramflow's own work: left out of the request's figures.
    return this.own(() => this.#responseHeaders(response));
  }

  #responseHeaders(_response: ResponseInfo): Array<[string, string]> {
    const began = performance.now();
    try {
      const headers: Array<[string, string]> = [];
      const metrics = this.host.config.serverTiming;
      // No figures for a request that never ran while profiled (headers written before the gate admitted it).
      if (metrics !== false && this.#counters !== undefined) {
        const figures = this.#headerFigures();
        figures.overheadMs += performance.now() - began;
        headers.push(['Server-Timing', formatServerTiming(figures, metrics, this.host.config.backend.name)]);
      }
      headers.push(['X-Ramflow-Id', this.id], ['X-Ramflow-Link', this.link()]);
      return headers;
    } catch (error) {
      this.#fail('headers', error);
      return [];
    } finally {
      this.#overheadMs += performance.now() - began;
    }
  }

  wantsBody(response: ResponseInfo): boolean {
    try {
      if (!this.mayInject || this.#finished) return false;
      const reason = notInjectableReason(this.#method, response);
      if (reason !== undefined) this.#notInjected = reason;
      return reason === undefined;
    } catch (error) {
      this.#fail('inject', error);
      return false;
    }
  }

  injectToolbar(
    body: string | Buffer,
    response: ResponseInfo,
    nonceSource?: { request: IncomingMessage; response: ServerResponse },
  ): string | Buffer {
    // Writing the page copies a concatenated string whole: the app's cost with or without the toolbar.
    if (typeof body === 'string' && this.#counters !== undefined) flatten(body);
    // Rendering and splicing in the toolbar is ramflow's own work: left out of the request's figures.
    return this.own(() => this.#injectToolbar(body, response, nonceSource));
  }

  #injectToolbar(
    body: string | Buffer,
    response: ResponseInfo,
    nonceSource?: { request: IncomingMessage; response: ServerResponse },
  ): string | Buffer {
    const began = performance.now();
    try {
      if (this.#injected || this.#counters === undefined) return body;
      // Rendered at the headers already when they went out first (reserveToolbar); the same markup goes in.
      const html =
        this.#reserved ?? (this.wantsBody(response) ? this.#render(nonceSource, began) : undefined);
      if (html === undefined) return body;
      const out = injectIntoPage(body, html.early, html.toolbar);
      // Node copies the toolbar with a string page when it writes it: that copy is ramflow's too.
      this.#counters.ownBytes(toolbarCopyBytes(body, html.early) + toolbarCopyBytes(body, html.toolbar));
      this.#injected = true;
      return out;
    } catch (error) {
      this.#fail('inject', error);
      return body;
    } finally {
      this.#overheadMs += performance.now() - began;
    }
  }

  /**
   * For a page whose headers go out before its body reaches ramflow (a compression middleware registered after
   * ramflow writes them first): renders the toolbar now and returns the bytes it will add, so the Content-Length
   * sent can include them; `injectToolbar` then puts in this same markup. Undefined when the page gets no toolbar.
   */
  reserveToolbar(
    response: ResponseInfo,
    nonceSource?: { request: IncomingMessage; response: ServerResponse },
  ): number | undefined {
    return this.own(() => {
      const began = performance.now();
      try {
        if (this.#injected || this.#counters === undefined || !this.wantsBody(response)) return undefined;
        this.#reserved ??= this.#render(nonceSource, began);
        return Buffer.byteLength(this.#reserved.early) + Buffer.byteLength(this.#reserved.toolbar);
      } catch (error) {
        this.#fail('inject', error);
        return undefined;
      } finally {
        this.#overheadMs += performance.now() - began;
      }
    });
  }

  /** The toolbar's markup with the header-time figures (the badge shows what Server-Timing says). */
  #render(
    nonceSource: { request: IncomingMessage; response: ServerResponse } | undefined,
    began: number,
  ): ToolbarMarkup {
    // The badge shows the same header-time figures as Server-Timing; its script then loads the settled record.
    const peek = this.#figures();
    const nonce = nonceSource ? this.host.nonceFor(nonceSource.request, nonceSource.response) : undefined;
    return this.host.renderToolbar({
      id: this.id,
      link: this.link(),
      nonce,
      summary: {
        heapDeltaBytes: peek.heapDeltaBytes,
        heapDeltaKind: peek.heapDeltaKind,
        allocatedBytes: peek.allocatedBytes,
        allocatedIsLowerBound: peek.allocatedIsLowerBound,
        heapUsedBeforeBytes: peek.heapUsedBeforeBytes,
        heapUsedAfterBytes: peek.heapUsedNowBytes,
        externalDeltaBytes: peek.externalDeltaBytes,
        gcCount: peek.gcCount,
        gcPauseMs: peek.gcPauseMs,
        backendName: this.host.config.backend.name,
        backendReason: this.host.config.backend.reason,
        concurrency: this.#concurrencyAtHeaders ?? this.#concurrency(),
        overheadMs: this.#overheadMs + (performance.now() - began),
        atHeaders: true,
      },
    });
  }

  noteAppError(error: unknown): void {
    if (this.#appError === undefined) this.#appError = describeError(error);
  }

  finish(outcome: { statusCode: number; aborted: boolean; contentType?: string | undefined }): void {
    if (this.#finished) return;
    this.#finished = true;
    let snapshotTaken: Promise<void> | undefined;
    let release: (() => void) | undefined;
    try {
      if (this.#counters !== undefined) {
        this.#counters.close();
        this.#backendWindow?.end?.();
      }
      // The after snapshot: V8 takes it when the worker asks, right after this (the response is on its way).
      if (this.#snapshot !== undefined) {
        release = this.host.gate.hold();
        snapshotTaken = this.#snapshot.end(
          this.#inFlight.map((ref) => ref.deref()).filter((object) => object !== undefined),
        );
      }
      this.finishedAt = performance.now();
      this.#outcome = {
        statusCode: outcome.statusCode,
        aborted: outcome.aborted,
        contentType: outcome.contentType ?? null,
      };
    } catch (error) {
      this.#fail('finish', error);
    }
    // After the windows closed: the next request the gate admits opens its own after this one's end, and after
    // this one's after snapshot, which must not see the next request's objects.
    if (snapshotTaken === undefined) {
      release?.();
      this.#leaveGate();
    } else
      void snapshotTaken.then(() => {
        this.#leaveGate();
        release?.();
      });
    this.host.sessionEnded(this);
  }

  /**
   * Why this response got no toolbar, or undefined when it got one. Decided by the rule that refused it, else
   * from what the response was: a page that qualified but never reached ramflow whole was streamed.
   */
  get notInjected(): NotInjected | undefined {
    if (this.#injected) return undefined;
    if (!this.mayInject) return this.host.config.toolbar ? NOT_NAVIGATION : TOOLBAR_OFF;
    if (this.#notInjected !== undefined) return this.#notInjected;
    if (this.#counters === undefined)
      return { kind: 'not-run', message: 'the request never ran while profiled (see its failures)' };
    const outcome = this.#outcome;
    if (outcome === undefined) return { kind: 'unfinished', message: 'the response did not finish' };
    const reason = notInjectableReason(this.#method, {
      statusCode: outcome.statusCode,
      contentType: outcome.contentType ?? undefined,
      contentEncoding: undefined,
    });
    if (reason !== undefined) return reason;
    if (outcome.aborted) return { kind: 'aborted', message: 'the client went away before the page was sent' };
    return STREAMED;
  }

  /** Builds the stored record once the counters are settled (after the response, off the request path). */
  toRecord(memory: MemoryFigures, extra: Partial<RequestRecord> | undefined): RequestRecord {
    const { redact } = this.host.config;
    const url = redactUrl(this.#url, redact.query);
    const query = url.indexOf('?');
    const { headers: kept, parentId: parent } = this.#kept;
    const headers =
      redact.referer && kept.referer !== undefined ? { ...kept, referer: redactReferer(kept.referer) } : kept;
    const concurrency = this.#concurrency();
    const counters = this.#counters;
    const record: RequestRecord = {
      version: 1,
      id: this.id,
      startedAt: new Date(this.startedAtMs).toISOString(),
      durationMs: counters === undefined ? 0 : Math.round((counters.t1 - counters.t0) * 1000) / 1000,
      request: {
        method: this.#method,
        url: url.slice(0, 2000),
        path: (query < 0 ? url : url.slice(0, query)).slice(0, 2000),
        headers,
      },
      response: {
        statusCode: this.#outcome?.statusCode ?? 0,
        contentType: this.#outcome?.contentType ?? null,
        injected: this.#injected,
        aborted: this.#outcome?.aborted ?? false,
      },
      memory,
      concurrency: {
        exclusive: concurrency.exclusive,
        overlapping: Math.max(concurrency.overlapping, this.#concurrencyAtHeaders?.overlapping ?? 0),
      },
      backend: { ...this.host.config.backend },
      overheadMs: Math.round(this.#overheadMs * 1000) / 1000,
      failures: this.failures,
      ...extra,
    };
    record.concurrency.exclusive = record.concurrency.overlapping === 0;
    const peek = this.#peek;
    if (peek !== undefined) {
      record.memory.atHeaders = {
        allocatedBytes: peek.allocatedBytes,
        allocatedIsLowerBound: peek.allocatedIsLowerBound,
        heapDeltaBytes: peek.heapDeltaBytes,
      };
    }
    const isolation = this.#isolation;
    if (isolation !== undefined) {
      record.concurrency.isolation = {
        waitedMs: Math.round(isolation.waitedMs * 1000) / 1000,
        timedOut: isolation.timedOut,
      };
      if (isolation.timedOut) {
        const others = record.concurrency.overlapping;
        record.failures = [
          ...record.failures,
          {
            code: 'RAMFLOW_ISOLATION_TIMEOUT',
            message: `isolation timed out after ${this.host.gate.timeoutMs} ms: ran alongside ${plural(others, 'request')}`,
            stage: 'isolate',
          },
        ];
      }
    }
    const notInjected = this.notInjected;
    if (notInjected !== undefined) record.response.notInjected = notInjected.message;
    if (parent !== undefined) record.request.parentId = parent;
    if (this.#appError) record.appError = this.#appError;
    return record;
  }

  /** Called by the host when the session ends, so the overlap count stops growing. */
  freezeConcurrency(): void {
    this.#frozenConcurrency = this.#concurrency();
  }
}
