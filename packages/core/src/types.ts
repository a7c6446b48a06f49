// This file is long because it is every public type in one place (../shared/STYLE.md), each with its documentation.
// `// ---- … ----` lines divide it into sections: options, records and the adapter lifecycle; errors; the default
// store; profile views; bootstrap; the process view. Only `node:` modules may be imported here, so that every
// folder can import its public types from this file without a folder-level cycle (scripts/layout.mjs).
/**
 * Public types of ramflow. Everything a user or an adapter touches is declared here; internals live beside
 * the code that uses them. Framework types never appear in this file.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

// ---- Options, request records and the adapter lifecycle ----

/** Which memory backend runs on top of the always-on process counters. */
export type MemoryBackendName = 'sampling' | 'heap-snapshot' | 'process';

/** What the badge's heap delta means. */
export type HeapDeltaMode = 'exact' | 'fast';

/** Which memory metrics go into the `Server-Timing` header besides ramflow's own overhead. */
export type ServerTimingMetric = 'heap' | 'alloc' | 'gc';

/** A framework-neutral view of the incoming request, built by the adapter. */
export interface RequestInfo {
  /** HTTP method, upper case. */
  method: string;
  /** The request target as received: path and query string. */
  url: string;
  /** Request headers (lower-case names), as node:http exposes them. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /**
   * The client address the framework trusts: the socket address, or the first untrusted `X-Forwarded-For`
   * hop when the framework's own trust-proxy setting says so (Express `req.ip`, Fastify `request.ip`).
   */
  remoteAddress: string | undefined;
  /** `http` or `https`, as the framework sees it (trust-proxy aware). */
  protocol?: 'http' | 'https';
  /** The underlying node:http request, for `enabled` / `allow` callbacks that need it. */
  raw?: IncomingMessage;
  /**
   * The underlying node:http response. A heap snapshot's diff leaves out what only this request's `raw` and
   * `rawResponse` hold (its headers, parameters, body): Node frees it with the request.
   */
  rawResponse?: ServerResponse;
}

/** What the adapter knows about the response when its headers are about to be written. */
export interface ResponseInfo {
  statusCode: number;
  /** The `Content-Type` response header, if set. */
  contentType: string | undefined;
  /** The `Content-Encoding` response header, if set. */
  contentEncoding: string | undefined;
}

/** Logger used for ramflow's own messages; adapters pass the framework's logger when it has one. */
export interface RamflowLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Thresholds (bytes of heap delta) that colour the toolbar badge. */
export interface SeverityThresholds {
  /**
   * Heap delta at or above which the badge turns amber.
   * @default 1048576 (1 MiB)
   */
  warnBytes?: number;
  /**
   * Heap delta at or above which the badge turns red.
   * @default 10485760 (10 MiB)
   */
  dangerBytes?: number;
}

/** Options shared by every ramflow adapter. Validated once, at construction. */
export interface RamflowOptions {
  /**
   * Turn ramflow on or off, globally or per request. By default ramflow is on only when `NODE_ENV` is unset or
   * `development`. Under `NODE_ENV=test` it is off (a test suite should not pay for a development toolbar):
   * `enabled: true` turns it on there. Turning it on under `NODE_ENV=production` (or any other value) requires
   * `enabled: true` (or a function) together with an explicit `allow` function, and logs a warning. When the
   * environment turns it off, one log line says so and how to turn it on.
   * @default NODE_ENV is unset or "development"
   */
  enabled?: boolean | ((request: RequestInfo) => boolean);
  /**
   * Which backend measures on top of the process counters. `"auto"` picks the richest one that works here and
   * reports its choice and the reason in the toolbar and the log. `"heap-snapshot"` takes heap snapshots before
   * and after every request (each pauses the process ~150 ms per MB of heap, one request at a time); with any
   * backend one request can ask for them with `?ramflow=snapshot` or `X-Ramflow-Backend: heap-snapshot`.
   * @default "auto"
   */
  memoryBackend?: 'auto' | MemoryBackendName;
  /**
   * Meaning of the badge's heap delta. `"exact"` forces a garbage collection when the request starts and when its
   * headers are written, so the delta is the live-heap change (costs a few ms per request on a small heap, more on
   * a big one). `"fast"` reports the raw used-heap change, labelled as including garbage not yet collected.
   * @default "fast" (measured: see BENCHMARKS.md)
   */
  heapDelta?: HeapDeltaMode;
  /**
   * Average bytes between samples of the sampling heap profiler. Must be at least 1.
   * @default 32768
   */
  samplingInterval?: number;
  /**
   * Adaptive sampling: under sustained load (20+ profiled requests in each of two consecutive 250 ms ticks, the
   * app busy at least half the time) the sampling backend samples 32 times more coarsely (at least every
   * 1 MiB) and records allocation stacks for at most one request per second, so a load test does not pay the
   * profiler's full cost (V8's sampler costs a few µs per sample plus ~0.2 µs per stack frame). It returns to
   * `samplingInterval` after 30 s without load, or when someone reads ramflow's data once the load is gone.
   * Records say when they were sampled coarsely or skipped. `false` keeps `samplingInterval` always.
   * @default true
   */
  adaptiveSampling?: boolean;
  /**
   * Let V8's optimizing compiler inline functions into their callers while allocation stacks are recorded. V8's
   * sampling heap profiler sees only real stack frames, so once a hot function is inlined its allocations are
   * reported under its caller: a route warmed by a few hundred calls lost whole functions from its Allocations
   * and flame graph (measured: a callee with 20% of the bytes read 0%). With `false` ramflow turns inlining off
   * for the process (`--no-turbo-inlining`) when it starts its sampling profiler, and every function keeps its
   * own frame (the callee then read 23%); code V8 optimized before that keeps its inlined callees until it is
   * optimized again (start with `node --no-turbo-inlining` to rule that out). Inlining off makes hot code slower
   * (see BENCHMARKS.md): `true` keeps V8's default, and the Allocations panel then says that inlined callees are
   * folded into their callers.
   * @default false
   */
  inlining?: boolean;
  /**
   * Serialize profiled requests so that every record's figures are exclusive: V8's heap counters are
   * process-wide, so requests that overlap share their figures. With `true`, a profiled request waits (in
   * arrival order) until no other profiled request is in flight, and the next one waits for it to finish. This
   * costs throughput (profiled requests run one at a time), so turn it on when exact figures matter more.
   * Requests ramflow does not profile (ignored paths, clients `allow` refuses) are never held back. A request
   * waits at most 2 s (not counting the time heap snapshots block the process); after that it runs alongside the
   * others and its record says so (`concurrency.isolation.timedOut`).
   * @default false
   */
  isolate?: boolean;
  /**
   * Add a `Server-Timing` header: `true` for all metrics, `false` for none, or the list of memory metrics to
   * include (ramflow's own overhead, `ramflow;dur=…`, is always present when the header is on).
   * @default true
   */
  serverTiming?: boolean | readonly ServerTimingMetric[];
  /**
   * Inject the toolbar into HTML responses.
   * @default true
   */
  toolbar?: boolean;
  /**
   * Where the dashboard, JSON API and toolbar assets are served. Must start with `/` and not end with `/`.
   * @default "/__ramflow"
   */
  basePath?: string;
  /**
   * Maximum number of request records kept in the in-memory history.
   * @default 100
   */
  historySize?: number;
  /**
   * Maximum total size, in bytes of serialized JSON, of the in-memory history.
   * @default 8388608 (8 MiB)
   */
  historyBytes?: number;
  /**
   * Who may be profiled and see ramflow's data. By default only loopback clients (127.0.0.0/8, ::1). Return
   * `true` to allow a request. Required when enabling ramflow in production.
   * @default loopback clients only
   */
  allow?: (request: RequestInfo) => boolean;
  /**
   * Returns the CSP nonce of the current response, so the injected toolbar's script and stylesheet carry it.
   * @default none (assets are served from `basePath`, which a `'self'` policy allows)
   */
  cspNonce?: (request: IncomingMessage, response: ServerResponse) => string | undefined;
  /**
   * Paths never profiled. Strings match a path prefix; regular expressions test the path (no query string).
   * Requests under `basePath` are never profiled.
   * @default static assets: /favicon.ico and paths ending in .css .js .mjs .map .png .jpg .jpeg .gif .svg .ico .webp .woff .woff2 .ttf
   */
  ignore?: ReadonlyArray<string | RegExp>;
  /**
   * Where request records are kept.
   * @default an in-memory store bounded by `historySize` and `historyBytes`
   */
  store?: Store;
  /**
   * Colour thresholds for the badge.
   * @default { warnBytes: 1 MiB, dangerBytes: 10 MiB }
   */
  severity?: SeverityThresholds;
  /**
   * Where ramflow's own log lines go. Adapters pass the framework's logger when it has one.
   * @default console, prefixed with "[ramflow]"
   */
  logger?: RamflowLogger;
  /**
   * Keep the before/after `.heapsnapshot` files of snapshot requests for download from the request page. They
   * hold everything on the heap, passwords and tokens included: they stay in a private temporary directory, only
   * for the last 3 snapshot requests and at most 10 minutes, and are deleted on close and exit. The diff itself
   * (new objects by class) is always kept in the record and exported as JSON.
   * @default false
   */
  allowHeapSnapshots?: boolean;
  /**
   * The memory, in bytes, the process may reach while a heap snapshot is taken and analysed. RSS grows by
   * ~11-13x the used heap (large strings and arrays aside) while a snapshot is taken and analysed; when the
   * estimate would pass this limit (or the container's cgroup limit, or the host's memory, whichever is lowest)
   * the snapshot is refused and the record says why. The request itself runs as usual.
   * @default the cgroup memory limit, else the host's total memory
   */
  heapSnapshotMemoryLimit?: number;
  /**
   * The longest pause, in ms, a heap snapshot may cause. Each snapshot blocks the process while V8 writes it, for
   * a time that grows with the heap's objects, faster than the heap (120-270 ms per MB of object-dense heap
   * measured here, 18-550 MB; see BENCHMARKS.md), and a snapshot request takes two. When the estimate for this
   * process's heap passes this limit, the snapshot is refused and the record says why, with the figures. The
   * default allows ~60 MB of object-dense heap. `Infinity` turns the check off.
   * @default 10000
   */
  heapSnapshotMaxPauseMs?: number;
  /**
   * The "open in editor" link of a function in the Allocations and Flame graph panels, for the app's and its
   * dependencies' files: `{path}` (absolute file path, URL-encoded), `{line}` and `{column}` are filled in.
   * `false` turns the links off. Examples: `"idea://open?file={path}&line={line}"`,
   * `"cursor://file/{path}:{line}:{column}"`, `"subl://open?url=file://{path}&line={line}"`.
   * @default "vscode://file/{path}:{line}:{column}"
   */
  editorUrl?: string | false;
  /**
   * Host names (the `Host` header, without port) under which ramflow shows itself, besides `localhost`, its
   * subdomains (`app.localhost`) and IP addresses, which are always allowed. A request for any other Host is not
   * profiled, gets no headers or toolbar, and `basePath` passes it on to the app: a web page on another domain
   * that resolves to 127.0.0.1 (DNS rebinding) cannot read ramflow's data or its action token. List the names you
   * open the app under (`["myapp.test"]`; `".example.test"` admits that domain and its subdomains), or `true` to
   * accept any Host (turns the protection off). As Vite's `server.allowedHosts`.
   * @default [] (localhost, *.localhost and IP addresses only)
   */
  allowedHosts?: readonly string[] | true;
  /**
   * What is removed from records before they are stored: the values of query parameters whose name contains one
   * of these strings (case-insensitive) or matches one of these regular expressions are replaced by `[redacted]`,
   * the `Referer`'s query string is replaced whole, and property names that look like tokens are replaced in heap
   * retainer paths. Cookies and the `Authorization` header are never kept. `false` stores URLs as received.
   * @default ["token", "password", "passwd", "secret", "key", "auth", "session", "code", "signature", "credential", "jwt"]
   */
  redact?: false | ReadonlyArray<string | RegExp>;
}

/** Options after defaults and validation. */
export interface ResolvedRamflowOptions {
  enabled: boolean | ((request: RequestInfo) => boolean);
  memoryBackend: 'auto' | MemoryBackendName;
  heapDelta: HeapDeltaMode;
  samplingInterval: number;
  adaptiveSampling: boolean;
  inlining: boolean;
  isolate: boolean;
  serverTiming: readonly ServerTimingMetric[] | false;
  toolbar: boolean;
  basePath: string;
  historySize: number;
  historyBytes: number;
  allow: (request: RequestInfo) => boolean;
  /** True when `allow` was supplied by the user rather than defaulted to loopback-only. */
  allowIsCustom: boolean;
  cspNonce: ((request: IncomingMessage, response: ServerResponse) => string | undefined) | undefined;
  ignore: ReadonlyArray<string | RegExp>;
  store: Store | undefined;
  severity: Required<SeverityThresholds>;
  logger: RamflowLogger;
  allowHeapSnapshots: boolean;
  heapSnapshotMemoryLimit: number | undefined;
  heapSnapshotMaxPauseMs: number;
  /** The "open in editor" URL template, or false for none. */
  editorUrl: string | false;
  /** Host names allowed besides localhost and IP addresses (lower case), or true for any. */
  allowedHosts: readonly string[] | true;
  /** Query parameter name rules whose values are redacted (empty with `redact: false`). */
  redact: ReadonlyArray<string | RegExp>;
  /** The Referer's query string is redacted (false only with `redact: false`). */
  redactReferer: boolean;
  /** The environment ramflow decided under (`NODE_ENV`, or "unset"). */
  environment: string;
}

/** Garbage collections seen during a request window, by kind. */
export interface GcActivity {
  /** Number of collections (of any kind) during the window. */
  count: number;
  /** Total pause time in milliseconds. */
  pauseMs: number;
  /** Collections ramflow forced itself (for `heapDelta: "exact"`), included in `count`. */
  forced: number;
  /** Per kind: `scavenge`, `mark-compact`, `incremental-marking`, `weak-callbacks`, `minor-mark-sweep`. */
  byKind: Record<string, { count: number; pauseMs: number }>;
}

/** The process counters every profiled request gets. */
export interface MemoryFigures {
  /**
   * Live-heap change over the request. With `heapDeltaKind: "exact"` garbage was collected at both ends; with
   * `"raw"` it is the used-heap change and includes garbage not yet collected.
   */
  heapDeltaBytes: number;
  heapDeltaKind: 'exact' | 'raw';
  /**
   * Bytes allocated on the JS heap during the window, exact from V8 GC accounting (used-heap change plus what
   * each collection in the window freed). `null` when it could not be determined; see `allocatedUnavailable`.
   */
  allocatedBytes: number | null;
  /** Why `allocatedBytes` is null. */
  allocatedUnavailable?: string;
  /**
   * What ramflow's own work inside the window allocated (rendering and injecting the toolbar, formatting its
   * headers): left out of `allocatedBytes` (and of a raw `heapDeltaBytes`), shown so the sum can be checked.
   */
  ramflowAllocatedBytes?: number;
  /**
   * The figures when the response headers were written: what `Server-Timing` carries and the badge shows first.
   * The headers go out before the body is sent, so `allocatedBytes` (the whole window) is usually higher.
   */
  atHeaders?: { allocatedBytes: number; allocatedIsLowerBound: boolean; heapDeltaBytes: number };
  heapUsedBeforeBytes: number;
  heapUsedAfterBytes: number;
  /** Change of V8 external memory (includes ArrayBuffer and Buffer backing stores). */
  externalDeltaBytes: number;
  /** Process-wide ArrayBuffer/Buffer memory when the record was finalized (not a per-request figure). */
  arrayBuffersBytes: number | null;
  /** Process resident set size when the record was finalized (not a per-request figure). */
  rssBytes: number | null;
  gc: GcActivity;
}

/** Whether a request's figures are its own or shared with overlapping requests. */
export interface Concurrency {
  /** True when no other profiled request was in flight at any point of this request's window. */
  exclusive: boolean;
  /** How many other profiled requests overlapped this one's window. */
  overlapping: number;
}

/** How a request went through ramflow's isolation (`isolate: true`), which lets profiled requests run alone. */
export interface IsolationOutcome {
  /**
   * Time it waited for the requests in flight to finish before it was let through, in ms (0 when nothing was in
   * flight). Its measurement window, and `durationMs`, start after the wait: `waitedMs` after `startedAt`.
   */
  waitedMs: number;
  /**
   * It waited the maximum (2 s, not counting heap-snapshot pauses) and then ran alongside the requests still
   * in flight, so its figures are shared (`concurrency.overlapping` says with how many); a failure entry says
   * so too.
   */
  timedOut: boolean;
}

/** A failure inside ramflow, recorded on the request it happened in. The app's response is unaffected. */
export interface RamflowFailure {
  code: string;
  message: string;
  /** Lifecycle step: start, headers, inject, finish, backend, store. */
  stage: string;
}

/**
 * Who a stack frame belongs to: the app's own code, a dependency under `node_modules`, Node.js or V8 internals
 * (`node:` modules, builtins, native code), or ramflow itself. ramflow's frames are never reported as the app's.
 */
export type FrameKind = 'app' | 'dependency' | 'node' | 'ramflow';

/** One distinct function in an allocation profile. */
export interface ProfileFrame {
  /** Function name as V8 reports it; `(anonymous)` for unnamed functions, `(root)` for the root. */
  name: string;
  /** Script URL (`file:///…`, `node:…`), or empty for V8 builtins and native code. */
  url: string;
  /** 1-based line of the function's start, or 0 when unknown. */
  line: number;
  /** 1-based column of the function's start, or 0 when unknown. */
  column: number;
  kind: FrameKind;
}

/** A node of an allocation call tree: one call path, its own bytes and its subtree's. Flame-graph ready. */
export interface ProfileTreeNode {
  /** Index into `AllocationProfile.frames`. */
  frame: number;
  /** Estimated bytes allocated by this call path itself (children excluded). */
  selfBytes: number;
  /** Estimated bytes of this node and all its descendants. */
  totalBytes: number;
  /** Samples taken at this node itself. */
  samples: number;
  children: ProfileTreeNode[];
}

/**
 * The sampling backend's view of one request: bytes by stack, from V8's sampling heap profiler. Figures are
 * statistical estimates (each sample stands for about `samplingInterval` bytes).
 */
export interface AllocationProfile {
  /**
   * `allocated`: everything the window allocated, garbage included. `retained`: what the window allocated that
   * was still alive after a full garbage collection once the response finished (memray's "leaks" view).
   */
  view: 'allocated' | 'retained';
  /** Average bytes between samples while this window was profiled. */
  samplingInterval: number;
  /** Samples in the window (the profiler's own boundary markers excluded). */
  sampleCount: number;
  /** Estimated bytes in the window: the sum of its samples' sizes (equals `root.totalBytes`). */
  totalBytes: number;
  /** Distinct functions; tree nodes point into this array. Index 0 is `(root)`. */
  frames: ProfileFrame[];
  root: ProfileTreeNode;
  /** Small subtrees merged into `(other)` nodes to bound the record's size (their bytes are kept). */
  pruned?: { nodes: number; bytes: number };
  /**
   * Bytes sampled in ramflow's own work inside the window (rendering the toolbar, formatting its headers): left
   * out of the tree and of `totalBytes`, as the process counters leave them out of `allocatedBytes`.
   */
  ramflowBytes?: number;
  /** Anything the reader must know to interpret the figures (e.g. why the interval differs from the option). */
  notes: string[];
}

/** One hop of a retainer path: a holder and the reference it keeps to the next hop. */
export interface RetainerStep {
  /** The holder's class as DevTools groups it (`Array`, `Object`, `Map`, `(closure)`, `(GC roots)`, …). */
  name: string;
  /** V8's node type: `object`, `array`, `closure`, `native`, `synthetic`, `hidden`, … */
  type: string;
  /** The reference to the next hop: a property name, `[index]`, or a context variable's name. */
  edge: string;
  /** V8's edge type: `property`, `element`, `context`, `internal`, `hidden`, `shortcut`. */
  edgeType: string;
}

/** The shortest chain of strong references from a GC root to one object (weak references skipped). */
export interface RetainerPath {
  /** From the root side towards the object; the last step holds the object itself. */
  steps: RetainerStep[];
  /** The object the path reaches: its class, type and V8 heap snapshot node id. */
  target: { name: string; type: string; id: number };
  /** The path was cut at this many steps (the object is further away than that). */
  truncated?: boolean;
}

/** Objects of one class created during the request and still alive after it. */
export interface HeapObjectGroup {
  /** Constructor or class as DevTools' summary view groups it: `Widget`, `Array`, `(string)`, `(closure)`, … */
  constructorName: string;
  /** V8's node type of the group's objects. */
  type: string;
  count: number;
  /** Sum of the objects' own sizes (shallow). */
  selfBytes: number;
  /**
   * What the heap would shrink by if the group's objects were gone: the sum of their retained sizes, counting an
   * object held only through another member of the group once. Includes `nativeBytes`.
   */
  retainedBytes: number;
  /** ArrayBuffer/Buffer backing stores (native memory outside the JS heap) those objects keep alive. */
  nativeBytes: number;
  /** Retainer paths to a few of the group's largest objects (top groups only). */
  paths: RetainerPath[];
}

/**
 * The heap-snapshot backend's view of one request: the objects it created that were still alive after it (the
 * comparison of a snapshot taken before it with one taken after, as Chrome DevTools' Comparison view shows).
 */
export interface HeapObjectsDiff {
  /** New live objects grouped by class, largest retained size first; at most 100 groups (see `omitted`). */
  newObjects: HeapObjectGroup[];
  /** All new live objects, every group included. */
  totals: { count: number; selfBytes: number; nativeBytes: number };
  /** Groups beyond the record's limit, merged. */
  omitted?: { groups: number; count: number; selfBytes: number };
  /**
   * New objects that belong to ramflow (its records, profiler windows and pending work, and what only they hold),
   * left out of `newObjects` and `totals`: they are not the app's.
   */
  ownObjects?: { count: number; selfBytes: number };
  /**
   * New V8-internal objects (compiled code, feedback, hidden classes) left out of `newObjects` and `totals`: made by
   * code running for the first time or being optimized, not data the app keeps.
   */
  engineObjects?: { count: number; selfBytes: number };
  /** The two snapshots: how long each blocked the process, their size, and the analysis time (off the main thread). */
  snapshots: {
    beforeMs: number;
    afterMs: number;
    beforeBytes: number;
    afterBytes: number;
    nodes: number;
    edges: number;
    analysisMs: number;
  };
  /** The `.heapsnapshot` files can be downloaded (`allowHeapSnapshots: true`) until they expire. */
  downloadable: boolean;
  /** Anything the reader must know to interpret the figures. */
  notes: string[];
}

/** The documented, stable, JSON-serializable record of one profiled request. */
export interface RequestRecord {
  /** Format version of this record. */
  version: 1;
  id: string;
  /** ISO 8601 time the request arrived. */
  startedAt: string;
  /**
   * Time from start to response finished, in ms: the measurement window. An isolated request that had to wait
   * is measured from when it was let through (see `concurrency.isolation.waitedMs`).
   */
  durationMs: number;
  request: {
    method: string;
    /** Path and query string as received. */
    url: string;
    /** Path without query string. */
    path: string;
    /** A few non-secret request headers (user-agent, accept, content-type, referer). */
    headers: Record<string, string>;
    /** The `X-Ramflow-Id` of the page that made this request (fetch/XHR from a page with the toolbar). */
    parentId?: string;
  };
  response: {
    statusCode: number;
    contentType: string | null;
    /** The toolbar was injected into this response. */
    injected: boolean;
    /**
     * Why the toolbar was not injected (absent when it was): "not a browser navigation: …", "not HTML
     * (Content-Type: application/json)", "status 404: …", "compressed (Content-Encoding: gzip) …", "streamed: …".
     */
    notInjected?: string;
    /** The client went away before the response finished. */
    aborted: boolean;
  };
  memory: MemoryFigures;
  concurrency: Concurrency & {
    /**
     * Present when the request went through ramflow's isolation: it was to run alone (`isolate: true`), or it
     * waited for one that was. How long it waited, and whether it gave up waiting.
     */
    isolation?: IsolationOutcome;
  };
  backend: {
    name: MemoryBackendName;
    /** Why this backend runs (e.g. `auto: sampling profiler unavailable`). */
    reason: string;
  };
  /** Allocation stacks from the sampling backend, when it ran for this request. */
  allocations?: AllocationProfile;
  /** Why this request has no allocation stacks although the sampling backend is on. */
  allocationsUnavailable?: string;
  /** New live objects by class, from heap snapshots before and after the request, when one was taken. */
  heap?: HeapObjectsDiff;
  /** Why a heap snapshot asked for this request was not taken or not analysed (e.g. not enough memory). */
  heapUnavailable?: string;
  /** ramflow's own time on the request path, in ms (what `Server-Timing: ramflow;dur=` reports). */
  overheadMs: number;
  /** An error thrown by the app's handler, if the adapter saw one. */
  appError?: { name: string; message: string };
  /** Failures inside ramflow while handling this request. */
  failures: RamflowFailure[];
}

/** Figures available when response headers are written, before the record is final. */
export interface HeaderFigures {
  heapDeltaBytes: number;
  heapDeltaKind: 'exact' | 'raw';
  /** Bytes allocated so far. */
  allocatedBytes: number;
  /**
   * True when a garbage collection in the window is not measured yet, so the allocation is at least
   * `allocatedBytes` (the stored record has the settled figure).
   */
  allocatedIsLowerBound: boolean;
  gc: { count: number; pauseMs: number };
  concurrency: Concurrency;
  overheadMs: number;
}

/** One request-window measurement of an optional backend (sampling, heap-snapshot). */
export interface BackendWindow {
  /** The response finished (or was aborted): mark the end of the window. On the request path; must be cheap. */
  end?(): void;
  /**
   * The request's process counters are settled. Return this backend's additions to the record; may be async,
   * since it runs after the response is on its way.
   */
  close(
    memory?: MemoryFigures,
  ): Promise<Partial<RequestRecord> | undefined> | Partial<RequestRecord> | undefined;
}

/**
 * A memory backend: runs on top of the always-on process counters. `open` is on the request path and must be
 * cheap; slow work belongs in `BackendWindow.close` (after the response) or later, on demand.
 */
export interface MemoryBackend {
  readonly name: MemoryBackendName;
  /** Why this backend was chosen; shown in the toolbar and logged once. */
  readonly reason: string;
  /**
   * Open a window for one request; return undefined when this backend adds nothing to it. `retained` asks for
   * what the request leaves alive rather than everything it allocates (the caller runs such a request alone).
   */
  open(requestId: string, options?: { retained?: boolean }): BackendWindow | undefined;
  /** Someone is about to read records: finish any batched work for windows that have ended. */
  flush?(): void;
  /**
   * A request ran without a window (not admitted, ignored): a backend whose profiler sees every allocation of the
   * process counts it towards its bounds. On the request path of every request; must be O(1).
   */
  noteUnprofiled?(): void;
  /** Plain-JSON figures about the backend itself (served at `basePath/api/backend`). */
  stats?(): Record<string, unknown>;
  /** Stop profilers and release resources (called on shutdown and before the process exits). */
  close(): Promise<void> | void;
}

/** Summary of a record for history listings. */
export interface RecordSummary {
  id: string;
  startedAt: string;
  method: string;
  url: string;
  statusCode: number;
  durationMs: number;
  heapDeltaBytes: number;
  heapDeltaKind: 'exact' | 'raw';
  allocatedBytes: number | null;
  exclusive: boolean;
  parentId?: string;
  /** The backend that measured the request (stores written before this field may leave it out). */
  backend?: MemoryBackendName;
  /** How many other profiled requests overlapped this one. */
  overlapping?: number;
  /** Why `allocatedBytes` is null. */
  allocatedUnavailable?: string;
  /** The record has an allocation profile (sampling backend). */
  hasAllocations?: boolean;
  /** The record has a heap-snapshot diff. */
  hasHeap?: boolean;
}

/** Where request records are kept. Records are plain JSON-serializable data. */
export interface Store {
  add(record: RequestRecord): void | Promise<void>;
  get(id: string): RequestRecord | undefined | Promise<RequestRecord | undefined>;
  /** Newest first. */
  list(limit?: number): RecordSummary[] | Promise<RecordSummary[]>;
  clear(): void | Promise<void>;
}

/** The per-request handle an adapter holds between `start` and `finish`. */
export interface RequestSession {
  readonly id: string;
  /**
   * Whether this request can receive the toolbar at all: the toolbar is on and the client asked for an HTML
   * document (`Accept` names `text/html`, as browsers do for pages they navigate to; fetch/XHR calls, curl and
   * fragment loaders do not). Adapters skip body interception when false.
   */
  readonly mayInject: boolean;
  /**
   * Undefined when the request may continue at once. Otherwise the request must wait for other profiled requests
   * to finish (`isolate: true`): the adapter must not let it continue (call `next()`, run the handler) until this
   * promise resolves. It never rejects, and it resolves at the latest after 2 s (the request then runs alongside
   * the others) or when `finish` is called first (the client went away while it waited; nothing is measured).
   */
  readonly ready: Promise<void> | undefined;
  /**
   * The response's headers are about to be written: fixes the figures shown to the client and returns the
   * headers to add (`Server-Timing`, `X-Ramflow-Id`, `X-Ramflow-Link`). Idempotent; never throws.
   */
  responseHeaders(response: ResponseInfo): Array<[name: string, value: string]>;
  /** Whether a complete body of this response should be handed to `injectToolbar`. Never throws. */
  wantsBody(response: ResponseInfo): boolean;
  /**
   * Inject the toolbar into a complete HTML body. Returns the new body (a Buffer), or the same value untouched
   * when injection does not apply or fails. Call before `responseHeaders` is sent; fix `Content-Length` to the
   * returned length and drop `ETag`. Never throws.
   */
  injectToolbar(
    body: string | Buffer,
    response: ResponseInfo,
    nonceSource?: { request: IncomingMessage; response: ServerResponse },
  ): string | Buffer;
  /**
   * For a page whose headers are written before its body reaches ramflow: renders the toolbar now and returns
   * the bytes `injectToolbar` will add (to include in Content-Length), or undefined when the page gets none.
   * Optional: core's node:http interception uses it; adapters need not.
   */
  reserveToolbar?(
    response: ResponseInfo,
    nonceSource?: { request: IncomingMessage; response: ServerResponse },
  ): number | undefined;
  /** Note an error thrown by the app's handler (recorded; the framework handles it as usual). */
  noteAppError(error: unknown): void;
  /** The response finished or was aborted: finalize and store the record. Idempotent (the first call wins); never throws. */
  finish(outcome: { statusCode: number; aborted: boolean; contentType?: string | undefined }): void;
}

/** What `createRamflow` returns: the framework-neutral lifecycle every adapter drives. */
export interface Ramflow {
  readonly options: ResolvedRamflowOptions;
  readonly backend: MemoryBackend;
  /**
   * Decide whether to profile this request (enabled, allowed, not ignored) and open its session.
   * Returns undefined when the request is not profiled. Never throws.
   */
  start(request: RequestInfo): RequestSession | undefined;
  /** True when the path is under `basePath`. */
  isOwnPath(url: string): boolean;
  /**
   * True when the request is for `basePath` and ramflow answers it (enabled, an allowed client and Host): the
   * adapter hands it to `handle`. Otherwise the adapter passes it on to the app, whose own 404 answers, so that
   * nobody who may not see ramflow learns it is there.
   */
  serves(request: RequestInfo): boolean;
  /**
   * Serve `basePath` routes (dashboard, JSON API, assets) on node:http objects, for a request `serves` admitted
   * (anything else gets a plain 404). Resolves once the response is sent.
   */
  handle(request: RequestInfo, req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Wait until every finished request is finalized and stored. */
  flush(): Promise<void>;
  /** Stop backends and timers. */
  close(): Promise<void>;
  /** The store records go to. */
  readonly store: Store;
}

// ---- Errors ----

/** Error codes ramflow uses; stable, so users can match on them. */
export type RamflowErrorCode =
  | 'RAMFLOW_INVALID_OPTION'
  | 'RAMFLOW_UNSAFE_PRODUCTION'
  | 'RAMFLOW_BACKEND_UNAVAILABLE'
  | 'RAMFLOW_UNSUPPORTED_PLATFORM'
  | 'RAMFLOW_STORE_TIMEOUT'
  | 'RAMFLOW_INTERNAL';

// ---- The default store (MemoryStore) ----

/** The bounds of a `MemoryStore`: the oldest records are evicted first once either is reached. */
export interface MemoryStoreOptions {
  /** Most records kept. */
  maxRecords: number;
  /** Most bytes of serialized JSON kept. */
  maxBytes: number;
}

// ---- Profile views (topFunctions) ----

/** Which figure ranks the rows of `topFunctions`. */
export type FunctionRanking = 'self' | 'total';

/** Options of `topFunctions`. */
export interface TopFunctionsOptions {
  /** `self`: bytes a function allocated itself (callees excluded). `total`: bytes of everything it called too. */
  by: FunctionRanking;
  /** Frame kinds to leave out; their bytes count in their nearest visible caller (see `hideFrames`). */
  hide?: ReadonlySet<FrameKind>;
  /** Most rows returned. @default all */
  limit?: number;
}

/** One function of an allocation profile with its bytes summed over every call path it appears on. */
export interface FunctionRow {
  frame: ProfileFrame;
  /** Bytes allocated by the function itself, over all its call paths. */
  selfBytes: number;
  /** Bytes of the subtrees rooted at the function; a recursive function counts once per path (outermost call). */
  totalBytes: number;
  /** `selfBytes` as a fraction (0 to 1) of the profile's total bytes. */
  selfShare: number;
  /** `totalBytes` as a fraction (0 to 1) of the profile's total bytes. */
  totalShare: number;
}

// ---- Bootstrap (bootstrapReport(), the @ramflow/core/register preload) ----

/** The process's memory at one moment (`process.memoryUsage()` readings). */
export interface Footprint {
  /** ISO time. */
  at: string;
  uptimeMs: number;
  rssBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
}

/** What loading a package cost (see `BootstrapReport.measurement` for how each figure is measured). */
export interface PackageCostFigures {
  heapBytes: number;
  rssBytes: number;
  allocatedBytes?: number;
}

/** What one top-level package cost to load (preload only). */
export interface PackageCost {
  /** `name` or `@scope/name` of the `node_modules` directory the module files belong to; `(app)` for the app's own. */
  name: string;
  /** Module files evaluated. */
  modules: number;
  /** The package's own modules (what it loaded from other packages left out). */
  self: PackageCostFigures;
  /** Including the packages it loaded (CommonJS: first loads during its `require`s; ESM: equals `self`). */
  inclusive: PackageCostFigures;
  /** Wall time in the package's own modules (self), ramflow's forced GCs left out. */
  loadMs: number;
  kind: 'esm' | 'cjs' | 'both';
  /**
   * `live`: heap figures are live heap after forced GCs at both ends. `raw`: some are used-heap deltas without a
   * GC (they include garbage) because the forced-GC budget ran out or GCs were turned off.
   */
  heap: 'live' | 'raw';
}

/** What the preload's own package tracking cost. */
export interface BootstrapOverhead {
  /** Full collections the preload forced. */
  forcedGcs: number;
  /** Time spent in them. */
  gcMs: number;
  /** Package frames opened (see `PackageCost`). */
  frames: number;
  /** Still tracking: no server has listened yet. */
  tracking: boolean;
}

/**
 * Plain JSON of `bootstrapReport()`: the footprint before the app loaded and when it first listened, and what each
 * top-level package cost to load.
 */
export interface BootstrapReport {
  /** Where "bootstrap" was recorded. */
  source: 'preload' | 'ramflow-import';
  note: string;
  /** Before the app loaded (or at ramflow's import). */
  bootstrap: Footprint;
  /** When a server first listened. */
  appReady?: Footprint;
  /** Real packages heaviest first (by inclusive heap), then `(app)`; at most MAX_PACKAGES. */
  packages: PackageCost[];
  /** What the figures mean. */
  measurement: string;
  /** The preload's own cost (preload only). */
  overhead?: BootstrapOverhead;
}

// ---- Process view (GET /api/process) ----

/** Plain JSON of `GET basePath/api/process`. */
export interface ProcessReport {
  /** When this report was made. */
  at: string;
  uptimeMs: number;
  bootstrap: BootstrapReport;
  memory: {
    rssBytes: number;
    /**
     * The app's peak RSS: the highest RSS of the process so far (`process.resourceUsage().maxRSS`), or, once
     * ramflow has taken heap snapshots (which raise RSS by several times the heap, and the allocator may keep
     * that memory), the highest before the first one. `ownPeaks` says what ramflow's own work reached.
     */
    peakRssBytes: number;
    /** Peak RSS + 20%, rounded up to a MiB: a container memory limit the app would have survived. */
    suggestedLimitBytes: number;
    /**
     * ramflow's own memory spikes (heap snapshots taken and analysed in this process), left out of the peak, the
     * suggested limit and the expansion factor; null when there were none.
     */
    ownPeaks: {
      /** Heap snapshots taken so far. */
      snapshots: number;
      /** The process's highest RSS, ramflow's snapshots included. */
      processPeakRssBytes: number;
      /** The highest RSS before the first snapshot. */
      peakBeforeRssBytes: number;
      note: string;
    } | null;
    safetyMargin: SafetyMargin;
    /** Peak RSS over the RSS when the app became ready (or at ramflow's import without the preload). */
    expansionFactor: number | null;
    cgroup: CgroupMemory | null;
  };
  /** Bytes allocated per second by recent profiled requests (process counters), over their time span. */
  allocationRate: { bytesPerSecond: number | null; requests: number; windowMs: number };
  heap: HeapBreakdown;
  leak: LeakAssessment & {
    /** How the points were obtained. */
    method: string;
  };
  timeline: MemoryTimeline;
  /** The last integrity audit, if one was run (`POST basePath/api/process/audit`). */
  audit: IntegrityAudit | null;
}

/** A forced full collection, and how much heap is left over the app-ready baseline. */
export interface IntegrityAudit {
  at: string;
  verdict: 'SECURE' | 'BLOATED';
  /** Used heap after the forced collection. */
  heapUsedBytes: number;
  baselineHeapBytes: number;
  /** Which footprint is the baseline (app ready, or bootstrap when the app never signalled ready). */
  baseline: string;
  residualBytes: number;
  /** Residual allowed before the verdict is BLOATED: 20% of the baseline, at least 8 MiB. */
  toleranceBytes: number;
  collectionMs: number;
  explanation: string;
}

/** Where the limit used for the safety margin came from. */
export type LimitSource = 'cgroup v2' | 'cgroup v1' | 'process.constrainedMemory' | 'host memory';

/** How much memory the process can still grow into before it is OOM-killed. */
export interface SafetyMargin {
  limitBytes: number;
  limitSource: LimitSource;
  rssBytes: number;
  /** `limitBytes - rssBytes`, never below 0. */
  freeBytes: number;
  /** `freeBytes / limitBytes`, from 0 to 1. */
  freeRatio: number;
  /** Set when `freeRatio` is under 10% (`WARN_FREE_RATIO`). */
  warning?: string;
}

/** The memory accounting of the cgroup this process runs in: what a container's OOM killer enforces. */
export interface CgroupMemory {
  version: 1 | 2;
  /** The hard memory limit; `null` when the cgroup is unlimited. */
  limitBytes: number | null;
  /** Current usage as the kernel counts it (includes page cache, so it can exceed RSS). */
  usageBytes: number | null;
  /** Highest usage seen; `null` when the kernel does not expose it (v2 `memory.peak` needs Linux 5.19+). */
  peakBytes: number | null;
  /** The cgroup path from `/proc/self/cgroup`. */
  path: string;
}

/** The process's memory split into V8 heap spaces and native memory, for the dashboard's breakdown chart. */
export interface HeapBreakdown {
  /** One entry per V8 heap space (new, old, code, large object…). */
  spaces: Array<{ name: string; usedBytes: number; sizeBytes: number }>;
  /** Memory of C++ objects bound to JS objects, including ArrayBuffer backing stores. */
  externalBytes: number;
  /** ArrayBuffer and Buffer backing stores: invisible to the sampling heap profiler, so shown separately. */
  arrayBuffersBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  rssBytes: number;
}

/** The used heap measured right after a major GC: what the process really retains at that moment. */
export interface HeapPoint {
  /** Profiled requests finished when the point was taken. */
  seq: number;
  /** Used heap right after a major GC. */
  heapBytes: number;
  /** `Date.now()` when taken. */
  at: number;
}

/** Leak probability from the trend of the post-major-GC heap across requests ("a staircase is a leak"). */
export interface LeakAssessment {
  probability: 'unknown' | 'low' | 'medium' | 'high';
  /** Theil–Sen slope of heapBytes over seq; `null` when there is no fit. */
  slopeBytesPerRequest: number | null;
  /**
   * Plain-language evidence, e.g. "+1 MB per request over 180 requests (12 points after major GCs);
   * 11 of 11 steps grew", or why the probability is unknown.
   */
  evidence: string;
  /** The points used, oldest first (at most `maxPoints`). */
  points: HeapPoint[];
  /**
   * Only for `medium` and `high`: routes whose requests finished while the heap grew, with each growing step's
   * growth split among them in proportion to their requests in that step; largest first, at most 5.
   */
  routes: Array<{ route: string; requests: number; growthBytes: number; share: number }>;
}

/** Process memory over time with GC and request marks, oldest first, for the dashboard's timeline chart. */
export interface MemoryTimeline {
  samples: TimelineSample[];
  marks: TimelineMark[];
  /** How many samples and marks fell out of the bounded rings. */
  dropped: { samples: number; marks: number };
}

/** Process memory at one moment. */
export interface TimelineSample {
  at: number;
  rssBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
}

/** An event drawn on the memory chart. */
export interface TimelineMark {
  at: number;
  kind: 'gc' | 'request';
  /** gc: its kind and pause in ms; request: its id and method + path. */
  label: string;
  detail?: string;
  id?: string;
}
