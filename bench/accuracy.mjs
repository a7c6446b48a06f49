// Accuracy suite (issue 15): are ramflow's figures true? Real servers of every framework, over HTTP, on routes
// whose allocations are known by construction, read back through the dashboard's JSON API as any user would.
//
//   node bench/accuracy.mjs                                  # every framework (~2-3 min on 2 cores)
//   node bench/accuracy.mjs --framework express,koa --requests 10 --warm 300
//   node bench/accuracy.mjs --json accuracy.json             # also writes every record's figures and the truths
//
// Options: --framework (express,fastify,koa,nest), --requests N measured requests per route (30), --warm N calls
// that warm the hot route before it is measured (1000), --bursts N bursts of 10 concurrent requests per route
// (3), --snapshots N measured snapshot requests per snapshot route (2), --backend (sampling; `process` checks
// the allocated figures without the sampler, and then has no shares).
//
// The corpus (bench/accuracy/routes.ts) is one framework-neutral module; bench/accuracy/<framework>.ts mounts it
// with the framework's own routing and the real adapter (@ramflow/express `ramflow()`, @ramflow/fastify
// `ramflowToolbar`, @ramflow/koa `ramflow()`, @ramflow/nest `RamflowModule.forRoot()` on Nest's Express
// platform). Per framework, three servers run one after the other, each its own child process (`node --import
// tsx`, 127.0.0.1, port 0, its URL read from its stdout), killed at the end, on error and on exit:
//
// 1. Truth: the same server and routes WITHOUT ramflow, with a probe in ramflow's place (bench/accuracy/probe.ts),
//    started with `--expose-gc --min-semi-space-size=64 --max-semi-space-size=64 --no-allocation-buffer-parking
//    --no-flush-bytecode`. The probe reads V8's used heap (`v8.getHeapStatistics().used_heap_size`) where ramflow's
//    window opens (first middleware / Fastify onRequest / Nest module `configure`), where ramflow takes its
//    header-time figures (`writeHead` / Fastify onSend) and where its window closes (the response's 'close' /
//    Fastify onResponse). With no garbage collection in between, the difference is exactly what the window
//    allocated. The 64 MB young generation holds the largest route (~21 MB); the probe forces a full collection
//    between requests whenever less than 32 MB is left, and a `gc` PerformanceObserver marks every window that a
//    collection crossed or that follows one: both are left out (after a full collection V8's caches are empty
//    and the next request allocates more than in the steady state: ~8 KB on the small JSON route). No GC
//    accounting, no GCProfiler: nothing of ramflow's method. Allocation-buffer parking is off because ramflow
//    turns it off in its own process (packages/core/src/measure/gc-ledger.ts says why); with it on, a large
//    array read ~10% high in the probe. Truth per route = the median of --requests windows, after the same
//    warm-up as the ramflow servers (300 empty + 100 small requests, then 20 of the route). Each route function
//    is also measured alone, in-process, the same way (`/__truth/fn`): `hotInner` alone over the hot route's
//    window is the true share of `inner` (20.0-20.1%).
// 2. Exclusive: ramflow with `isolate: true`, the sampling backend at its default 32 KiB interval (adaptive
//    sampling off, so the interval stays put; inlining off, ramflow's default), toolbar on. The cold nested route
//    (its first 5 calls in the process), then every route (20 warm-up + --requests measured), the hot nested
//    route after --warm calls, then heap snapshots (`?ramflow=snapshot`): 3 warm-up + --snapshots measured on a
//    route that retains nothing, and --snapshots on a route that retains 5,000 AccuracyWidget instances. Records
//    are read after each batch, not one by one: reading makes the sampling backend fetch its profile, which
//    forces a full collection, and the next request would then not be in the steady state the truth measures.
// 3. Shared: ramflow with `isolate: false`, toolbar off: the HTML page again (sequential, so still exclusive),
//    then --bursts bursts of 10 concurrent requests on the large JSON route (synchronous: its windows never
//    overlap) and on the async route (two halves 10 ms apart: they do).
//
// Figures compared with the truth (err = figure / truth - 1): `memory.allocatedBytes` (the settled figure;
// labelled exact, or shared when `concurrency.exclusive` is false, or unavailable when null) against the
// window; `memory.atHeaders.allocatedBytes` (what Server-Timing carries; exact or `allocatedIsLowerBound`)
// against the probe's reading at the headers; `allocations.totalBytes` (the sampled estimate, never labelled
// exact) against the window. A label is wrong when a figure labelled exact is off by more than 10%, or a lower
// bound is more than 10% above the truth. The empty route (the framework alone, 6-24 KB) is shown but left out
// of the targets: two processes' JIT states differ by a few KB there.
//
// Exit status: non-zero only when something crashed (a server, a request, this script). Missed targets print
// MISS and still exit 0.
import { spawn } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { median, option as readOption, root } from './lib.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => readOption(args, name, fallback);
const requests = Number(option('requests', 30));
const warmHot = Number(option('warm', 1000));
const bursts = Number(option('bursts', 3));
const snapshots = Number(option('snapshots', 2));
const backend = option('backend', 'sampling');
const jsonOut = option('json', undefined);
const ROUTE_WARMUP = 20;
const COLD_CALLS = 5;

const FRAMEWORKS = {
  express: 'bench/accuracy/express.ts',
  fastify: 'bench/accuracy/fastify.ts',
  koa: 'bench/accuracy/koa.ts',
  nest: 'bench/accuracy/nest.ts',
};
const frameworks = option('framework', Object.keys(FRAMEWORKS).join(','))
  .split(',')
  .map((name) => name.trim())
  .filter(Boolean);
for (const name of frameworks) {
  if (!FRAMEWORKS[name]) {
    console.error(`unknown framework "${name}"; known: ${Object.keys(FRAMEWORKS).join(', ')}`);
    process.exit(2);
  }
}

const TRUTH_FLAGS = [
  '--expose-gc',
  '--min-semi-space-size=64',
  '--max-semi-space-size=64',
  '--no-allocation-buffer-parking',
  '--no-flush-bytecode',
];
const HTML = { accept: 'text/html,application/xhtml+xml' };
const JSON_ACCEPT = { accept: 'application/json' };
/** Routes measured for their allocated figures (path, label, request headers). */
const MEASURED = [
  { path: '/acc/empty', name: 'empty (framework only)', headers: JSON_ACCEPT, info: true },
  { path: '/acc/small', name: 'small JSON', headers: JSON_ACCEPT },
  { path: '/acc/large', name: 'large JSON', headers: JSON_ACCEPT },
  { path: '/acc/html', name: 'HTML, toolbar on', headers: HTML },
  { path: '/acc/gc', name: '20 MB, GC inside', headers: JSON_ACCEPT },
  { path: '/acc/async', name: 'async JSON', headers: JSON_ACCEPT },
  { path: '/acc/nothing', name: 'retains nothing', headers: JSON_ACCEPT },
];
/**
 * Class names of ramflow's own objects: a heap group of that class, or whose retainer path passes one, is
 * ramflow's. `Session` is both ramflow's request session and node:inspector's Session, which only ramflow opens
 * in these servers (its sampling profiler).
 */
const RAMFLOW_CLASSES = new Set([
  'CounterWindow',
  'GcLedger',
  'HeapSnapshotBackend',
  'HeapSnapshotService',
  'IsolationGate',
  'LeakTrend',
  'MemoryStore',
  'OnceLogger',
  'PackageTracker',
  'ProcessBackend',
  'ProcessInsights',
  'RamflowInstance',
  'SamplingBackend',
  'SamplingBackendWindow',
  'SamplingProfiler',
  'Session',
  'SkippedWindow',
  'SnapshotFiles',
  'SnapshotWindow',
  'Templates',
  'TimeLimitedStore',
  'Timeline',
]);

// ---------------------------------------------------------------------------------------------------------------
// Child processes: every one is killed on the way out, whatever happens.

const children = new Set();
function killAll(signal = 'SIGKILL') {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  }
}
process.on('exit', () => killAll());
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

async function startServer(framework, mode, env = {}) {
  // ramflow's servers run with V8's defaults, as users' apps do; the truth servers with the probe's flags.
  const flags = mode === 'truth' ? TRUTH_FLAGS : [];
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', FRAMEWORKS[framework]], {
    cwd: root,
    env: { ...process.env, ...env, ACC_MODE: mode, NODE_ENV: 'development' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const output = [];
  const keep = (data) => {
    output.push(String(data));
    if (output.length > 200) output.shift();
  };
  child.stderr.on('data', keep);
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${framework}/${mode}: not listening after 60 s`)),
      60_000,
    );
    child.stdout.on('data', (data) => {
      keep(data);
      const match = /ACCURACY_LISTENING \S+ \S+ (http:\/\/\S+)/.exec(String(data));
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${framework}/${mode} exited with ${code ?? signal}:\n${output.join('')}`));
    });
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  return {
    url,
    child,
    output,
    agent,
    async stop() {
      agent.destroy();
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
      children.delete(child);
    },
  };
}

/** GET over a keep-alive agent: status, headers, body text. Rejects on network errors and non-2xx. */
function get(server, path, headers = {}) {
  return new Promise((resolve, reject) => {
    const request = http.get(`${server.url}${path}`, { agent: server.agent, headers }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        if (response.statusCode >= 400) {
          const error = new Error(`GET ${path}: ${response.statusCode} ${body.slice(0, 300)}`);
          error.statusCode = response.statusCode;
          reject(error);
        } else resolve({ status: response.statusCode, headers: response.headers, body });
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.setTimeout(120_000, () => request.destroy(new Error(`GET ${path}: timed out`)));
  });
}

async function getJson(server, path) {
  return JSON.parse((await get(server, path)).body);
}

/** A record from the dashboard's JSON API (a snapshot's analysis can take a moment to land). */
async function readRecord(server, id) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await getJson(server, `/__ramflow/api/requests/${id}`);
    } catch (error) {
      if (error.statusCode !== 404 || attempt >= 50) throw error;
      await delay(200);
    }
  }
}

/**
 * `n` profiled requests, then their records. Read afterwards, not one by one: reading makes the sampling
 * backend fetch its profile, which forces a full collection, and a request that follows a full collection
 * allocates more than in the steady state (V8's caches are emptied), which is not what the truth measures.
 */
async function profiledBatch(server, path, headers, n, phase, into) {
  const ids = [];
  await times(n, async () => {
    const response = await get(server, path, headers);
    const id = response.headers['x-ramflow-id'];
    if (!id) throw new Error(`GET ${path}: no X-Ramflow-Id (not profiled)`);
    ids.push(id);
  });
  for (const id of ids) into.push(summarize(await readRecord(server, id), path, phase));
}

/** One profiled request and its record. */
async function profiled(server, path, headers) {
  const response = await get(server, path, headers);
  const id = response.headers['x-ramflow-id'];
  if (!id) throw new Error(`GET ${path}: no X-Ramflow-Id (not profiled)`);
  return readRecord(server, id);
}

async function times(n, fn) {
  for (let i = 0; i < n; i++) await fn(i);
}

/** `n` requests, `parallel` at a time (the hot route's warm-up; isolate serializes them server-side anyway). */
async function pool(n, parallel, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < n) {
        next++;
        await fn();
      }
    }),
  );
}

/**
 * Every server first serves the same warm-up: the framework's own code is then optimized alike in the truth and
 * the ramflow processes (a small route's window moves by ~10% while the framework warms up).
 */
async function warmUp(server) {
  await times(300, () => get(server, '/acc/empty', JSON_ACCEPT));
  await times(100, () => get(server, '/acc/small', JSON_ACCEPT));
}

// ---------------------------------------------------------------------------------------------------------------
// 1. Truth.

async function measureTruth(framework) {
  const server = await startServer(framework, 'truth');
  try {
    const truth = { windows: {}, headers: {}, alone: {}, spread: {}, discarded: {} };
    await warmUp(server);
    for (const route of [...MEASURED, { path: '/acc/hot' }, { path: '/acc/cold' }]) {
      const headers = route.headers ?? JSON_ACCEPT;
      await times(ROUTE_WARMUP, () => get(server, route.path, headers));
      await getJson(server, '/__truth/drain');
      await times(requests, () => get(server, route.path, headers));
      const { windows } = await getJson(server, '/__truth/drain');
      const kept = windows.filter((w) => w.path === route.path && !w.gc && !w.afterGc && !w.overlapped);
      const clean = kept.map((w) => w.bytes);
      if (clean.length === 0) throw new Error(`${framework} truth: no clean window for ${route.path}`);
      truth.windows[route.path] = median(clean);
      const atHeaders = kept.filter((w) => w.headersBytes !== undefined && w.headersBytes !== null);
      truth.headers[route.path] = atHeaders.length ? median(atHeaders.map((w) => w.headersBytes)) : undefined;
      truth.spread[route.path] = [Math.min(...clean), Math.max(...clean)];
      truth.discarded[route.path] = windows.length - clean.length;
    }
    for (const name of ['smallJson', 'largeJson', 'htmlPage', 'garbageRoute', 'hotOuter', 'hotInner']) {
      truth.alone[name] = (await getJson(server, `/__truth/fn?name=${name}&n=7`)).median;
    }
    // Heap objects are multiples of 8 bytes; the reading carries a few bytes of the probe's own per batch.
    truth.widgetBytes = Math.round(median((await getJson(server, '/__truth/widget')).readings) / 8) * 8;
    return truth;
  } finally {
    await server.stop();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 2. and 3. ramflow.

function bytesByFunction(profile) {
  const bytes = new Map();
  const walk = (node) => {
    const name = profile.frames[node.frame]?.name ?? '?';
    bytes.set(name, (bytes.get(name) ?? 0) + node.selfBytes);
    for (const child of node.children) walk(child);
  };
  walk(profile.root);
  return bytes;
}

/** What the suite keeps of one record. */
function summarize(record, route, phase) {
  const memory = record.memory;
  const profile = record.allocations?.view === 'allocated' ? record.allocations : undefined;
  const functions = profile ? bytesByFunction(profile) : undefined;
  return {
    route,
    phase,
    id: record.id,
    allocated: memory.allocatedBytes,
    allocatedUnavailable: memory.allocatedUnavailable,
    atHeaders: memory.atHeaders?.allocatedBytes,
    atHeadersLowerBound: memory.atHeaders?.allocatedIsLowerBound,
    ramflowAllocated: memory.ramflowAllocatedBytes ?? 0,
    exclusive: record.concurrency.exclusive,
    overlapping: record.concurrency.overlapping,
    gcCount: memory.gc.count,
    gcKinds: Object.keys(memory.gc.byKind).join('+'),
    injected: record.response.injected,
    sampled: profile?.totalBytes,
    sampledRamflow: profile?.ramflowBytes ?? 0,
    samples: profile?.sampleCount,
    interval: profile?.samplingInterval,
    allocationsUnavailable: record.allocationsUnavailable,
    shares: functions && {
      outer: (functions.get('hotOuter') ?? 0) + (functions.get('coldOuter') ?? 0),
      inner: (functions.get('hotInner') ?? 0) + (functions.get('coldInner') ?? 0),
      total: profile.totalBytes,
    },
    /** The sampled profile's top functions by self bytes: where an outlier's bytes went. */
    top:
      functions &&
      [...functions]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 4)
        .map(([name, bytes]) => `${name} ${kb(bytes)}`)
        .join(', '),
    failures: record.failures.map((f) => f.code),
  };
}

function summarizeHeap(record, phase, route) {
  const heap = record.heap;
  if (heap === undefined)
    return { phase, route, id: record.id, unavailable: record.heapUnavailable ?? 'none' };
  const ramflowGroups = heap.newObjects.filter(
    (group) =>
      RAMFLOW_CLASSES.has(group.constructorName) ||
      group.paths.some((path) => path.steps.some((step) => RAMFLOW_CLASSES.has(step.name))),
  );
  return {
    phase,
    route,
    id: record.id,
    totals: heap.totals,
    ownObjects: heap.ownObjects,
    groups: heap.newObjects.map((g) => ({
      name: g.constructorName,
      type: g.type,
      count: g.count,
      selfBytes: g.selfBytes,
    })),
    ramflowGroups: ramflowGroups.map((g) => `${g.constructorName} x${g.count} (${g.selfBytes} B)`),
    ramflowPaths: ramflowGroups.map(
      (g) =>
        `${g.constructorName}: ${(g.paths[0]?.steps ?? [])
          .slice(-5)
          .map((step) => `${step.name}.${step.edge}`)
          .join(' > ')}`,
    ),
    notes: heap.notes,
  };
}

async function runExclusive(framework) {
  const server = await startServer(framework, 'ramflow', {
    ACC_ISOLATE: '1',
    ACC_TOOLBAR: '1',
    RAMFLOW_BACKEND: backend,
  });
  const records = [];
  const heaps = [];
  try {
    // ramflow's own first-request work (templates, the sampler starting), not any measured route's.
    await times(3, () => profiled(server, '/acc/empty', JSON_ACCEPT));
    await warmUp(server);
    // Cold: the nested route's first calls in this process.
    await profiledBatch(server, '/acc/cold', JSON_ACCEPT, COLD_CALLS, 'exclusive', records);
    for (const route of MEASURED) {
      await times(ROUTE_WARMUP, () => get(server, route.path, route.headers));
      await profiledBatch(server, route.path, route.headers, requests, 'exclusive', records);
    }
    await pool(warmHot, 4, () => get(server, '/acc/hot', JSON_ACCEPT));
    await profiledBatch(server, '/acc/hot', JSON_ACCEPT, requests, 'exclusive', records);
    await times(3, () => profiled(server, '/acc/nothing?ramflow=snapshot', JSON_ACCEPT));
    await times(snapshots, async () =>
      heaps.push(
        summarizeHeap(
          await profiled(server, '/acc/nothing?ramflow=snapshot', JSON_ACCEPT),
          'exclusive',
          '/acc/nothing',
        ),
      ),
    );
    await times(snapshots, async () =>
      heaps.push(
        summarizeHeap(
          await profiled(server, '/acc/retain?ramflow=snapshot', JSON_ACCEPT),
          'exclusive',
          '/acc/retain',
        ),
      ),
    );
    const backend = await getJson(server, '/__ramflow/api/backend');
    return { records, heaps, backend };
  } catch (error) {
    error.message += `\nserver output (last lines):\n${server.output.slice(-20).join('')}`;
    throw error;
  } finally {
    await server.stop();
  }
}

async function runShared(framework) {
  const server = await startServer(framework, 'ramflow', {
    ACC_ISOLATE: '0',
    ACC_TOOLBAR: '0',
    RAMFLOW_BACKEND: backend,
  });
  const records = [];
  try {
    await times(3, () => profiled(server, '/acc/empty', JSON_ACCEPT));
    await warmUp(server);
    await times(ROUTE_WARMUP, () => get(server, '/acc/html', HTML));
    await profiledBatch(server, '/acc/html', HTML, requests, 'toolbar off', records);
    // 10 at once: the synchronous large JSON route (each request runs start to finish in one go) and the
    // async one (two halves 10 ms apart, so the windows do overlap).
    for (const path of ['/acc/large', '/acc/async']) {
      await times(ROUTE_WARMUP, () => get(server, path, JSON_ACCEPT));
      for (let burst = 0; burst < bursts; burst++) {
        const responses = await Promise.all(Array.from({ length: 10 }, () => get(server, path, JSON_ACCEPT)));
        for (const response of responses) {
          const record = await readRecord(server, response.headers['x-ramflow-id']);
          records.push(summarize(record, path, 'concurrent'));
        }
      }
    }
    return { records };
  } catch (error) {
    error.message += `\nserver output (last lines):\n${server.output.slice(-20).join('')}`;
    throw error;
  } finally {
    await server.stop();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Evaluation.

const pct = (value) =>
  value === undefined || Number.isNaN(value) ? '-' : `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)}%`;
const kb = (bytes) => (bytes === undefined ? '-' : `${(bytes / 1024).toFixed(bytes < 10_240 ? 1 : 0)} KB`);
const worst = (errors) => errors.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a), 0);

/**
 * The figure, its label and whether the label is wrong, for one record. `atHeaders` is compared with the truth
 * at the headers (the probe reads the heap where ramflow takes that figure), the others with the whole window.
 */
function figure(record, name, truthOf) {
  const truth = name === 'atHeaders' ? truthOf.headers[record.route] : truthOf.windows[record.route];
  let value;
  let label;
  if (name === 'allocated') {
    value = record.allocated ?? undefined;
    label = record.allocated === null ? 'unavailable' : record.exclusive ? 'exact' : 'shared';
  } else if (name === 'atHeaders') {
    value = record.atHeaders;
    label = !record.exclusive ? 'shared' : record.atHeadersLowerBound ? 'lower bound' : 'exact';
  } else {
    value = record.sampled;
    label = value === undefined ? 'unavailable' : 'estimate';
  }
  const error = value === undefined || !truth ? undefined : value / truth - 1;
  const wrong =
    error !== undefined &&
    ((label === 'exact' && Math.abs(error) > 0.1) || (label === 'lower bound' && error > 0.1));
  return { value, label, error, wrong };
}

function labelCounts(figures) {
  const counts = {};
  for (const f of figures) counts[f.label] = (counts[f.label] ?? 0) + 1;
  return Object.entries(counts)
    .map(([label, n]) => `${label} ${n}`)
    .join(', ');
}

const ROUTE_NAMES = {
  '/acc/empty': 'empty (framework only)',
  '/acc/small': 'small JSON',
  '/acc/large': 'large JSON',
  '/acc/html': 'HTML',
  '/acc/gc': '20 MB, GC inside',
  '/acc/async': 'async JSON (10 ms wait)',
  '/acc/nothing': 'retains nothing (100 KB garbage)',
  '/acc/hot': 'hot nested (warmed)',
  '/acc/cold': 'cold nested (first 5 calls)',
};

function routeLabel(record) {
  if (record.route === '/acc/html')
    return record.phase === 'toolbar off' ? 'HTML, toolbar off' : 'HTML, toolbar on';
  if (record.phase === 'concurrent') return `${ROUTE_NAMES[record.route]}, 10 concurrent`;
  return ROUTE_NAMES[record.route] ?? record.route;
}

function evaluate(framework, truth, exclusive, shared) {
  const records = [...exclusive.records, ...shared.records];
  const rows = [];
  const groups = new Map();
  for (const record of records) {
    const key = routeLabel(record);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(record);
  }
  for (const [label, group] of groups) {
    for (const name of ['allocated', 'atHeaders', 'sampled']) {
      const truthBytes = name === 'atHeaders' ? truth.headers[group[0].route] : truth.windows[group[0].route];
      const figures = group.map((record) => figure(record, name, truth));
      const errors = figures.filter((f) => f.error !== undefined).map((f) => f.error);
      rows.push({
        framework,
        route: label,
        figure: name,
        n: figures.length,
        truth: kb(truthBytes),
        'median err': errors.length ? pct(median(errors)) : '-',
        'worst err': errors.length ? pct(worst(errors)) : '-',
        '±10%': `${errors.filter((e) => Math.abs(e) <= 0.1).length}/${figures.length}`,
        labels: labelCounts(figures),
        'wrong labels': figures.filter((f) => f.wrong).length,
      });
    }
  }

  // Targets.
  const targets = [];
  const exclusiveRecords = records.filter(
    (r) => r.route !== '/acc/empty' && (r.phase === 'exclusive' || r.phase === 'toolbar off'),
  );
  const allocatedFigures = exclusiveRecords.map((r) => figure(r, 'allocated', truth));
  const within = allocatedFigures.filter((f) => f.error !== undefined && Math.abs(f.error) <= 0.1).length;
  const missedBy = new Map();
  exclusiveRecords.forEach((record, i) => {
    const f = allocatedFigures[i];
    if (f.error !== undefined && Math.abs(f.error) <= 0.1) return;
    missedBy.set(routeLabel(record), (missedBy.get(routeLabel(record)) ?? 0) + 1);
  });
  targets.push({
    framework,
    target: 'exclusive: allocated within ±10% of truth in ≥99% of records',
    measured: `${within}/${allocatedFigures.length} (${((within / allocatedFigures.length) * 100).toFixed(1)}%)${
      missedBy.size ? `; outside: ${[...missedBy].map(([route, n]) => `${route} ${n}`).join(', ')}` : ''
    }`,
    result: within / allocatedFigures.length >= 0.99 ? 'PASS' : 'MISS',
  });
  const wrong = allocatedFigures.filter((f) => f.wrong).length;
  const wrongRoutes = [
    ...new Set(exclusiveRecords.filter((_, i) => allocatedFigures[i].wrong).map((r) => routeLabel(r))),
  ];
  targets.push({
    framework,
    target: 'exclusive: 0 records labelled exact off by >10%',
    measured: `${wrong}${wrongRoutes.length ? ` (${wrongRoutes.join('; ')})` : ''}`,
    result: wrong === 0 ? 'PASS' : 'MISS',
  });
  for (const route of ['/acc/hot', '/acc/cold']) {
    const profiled = exclusive.records.filter((r) => r.route === route && r.shares && r.shares.total > 0);
    const trueShare = truth.alone.hotInner / truth.windows[route];
    const shares = profiled.map((r) => r.shares.inner / r.shares.total);
    const ratio = shares.length ? median(shares) / trueShare : Number.NaN;
    const perRecord = shares.filter((s) => Math.abs(s / trueShare - 1) <= 0.35).length;
    targets.push({
      framework,
      target: `${route === '/acc/hot' ? 'hot' : 'cold'}: share of inner within ±35% (median of records)`,
      measured: `${(median(shares) * 100).toFixed(1)}% vs true ${(trueShare * 100).toFixed(1)}% (${pct(ratio - 1)}); ${perRecord}/${shares.length} records within`,
      result: Math.abs(ratio - 1) <= 0.35 ? 'PASS' : 'MISS',
    });
  }
  const nothing = exclusive.heaps.filter((h) => h.route === '/acc/nothing');
  const nothingOk = nothing.every(
    (h) => h.totals && h.totals.selfBytes <= 5 * 1024 && h.ramflowGroups.length === 0,
  );
  targets.push({
    framework,
    target: "retains nothing: diff ≤ 5 KB, no group of ramflow's",
    measured: nothing
      .map((h) =>
        h.totals
          ? `${h.totals.selfBytes} B in ${h.totals.count} obj; ramflow's groups: ${h.ramflowGroups.join(', ') || 'none'}${h.ownObjects ? `; ramflow's own left out: ${h.ownObjects.selfBytes} B` : ''}`
          : `unavailable: ${h.unavailable}`,
      )
      .join('; '),
    result: nothing.length > 0 && nothingOk ? 'PASS' : 'MISS',
  });
  const on = exclusive.records.filter((r) => r.route === '/acc/html' && r.allocated !== null);
  const off = shared.records.filter((r) => r.route === '/acc/html' && r.allocated !== null);
  const onOff = median(on.map((r) => r.allocated)) / median(off.map((r) => r.allocated)) - 1;
  targets.push({
    framework,
    target: 'toolbar on vs off: same allocated ±5% (medians)',
    measured: `on ${kb(median(on.map((r) => r.allocated)))} (injected ${on.filter((r) => r.injected).length}/${on.length}, ramflow's own ${kb(median(on.map((r) => r.ramflowAllocated)))} left out) vs off ${kb(median(off.map((r) => r.allocated)))}: ${pct(onOff)}`,
    result: Math.abs(onOff) <= 0.05 ? 'PASS' : 'MISS',
  });

  // Observations (no target).
  const notes = [];
  const gcRecords = exclusive.records.filter((r) => r.route === '/acc/gc');
  notes.push({
    framework,
    what: '20 MB route: GCs and labels',
    observed: `GCs per record ${median(gcRecords.map((r) => r.gcCount))} (${[...new Set(gcRecords.map((r) => r.gcKinds))].join(', ')}); labels: ${labelCounts(gcRecords.map((r) => figure(r, 'allocated', truth)))}; at headers: ${labelCounts(gcRecords.map((r) => figure(r, 'atHeaders', truth)))}`,
  });
  for (const path of ['/acc/large', '/acc/async']) {
    const concurrent = shared.records.filter((r) => r.phase === 'concurrent' && r.route === path);
    const figures = concurrent.map((r) => figure(r, 'allocated', truth));
    const exclusiveOnes = figures.filter((f) => f.label === 'exact');
    notes.push({
      framework,
      what: `10 concurrent, isolate off: ${ROUTE_NAMES[path]}`,
      observed: `labels: ${labelCounts(figures)}; overlapping median ${median(concurrent.map((r) => r.overlapping))}; labelled exact (exclusive) and off >10%: ${figures.filter((f) => f.wrong).length}/${exclusiveOnes.length}; shared records' error median ${pct(median(figures.filter((f) => f.label === 'shared').map((f) => f.error)))}`,
    });
  }
  for (const heap of exclusive.heaps.filter((h) => h.route === '/acc/retain')) {
    const widgets = heap.groups?.find((g) => g.name === 'AccuracyWidget');
    const expected = 5_000 * truth.widgetBytes;
    notes.push({
      framework,
      what: 'retains 5,000 AccuracyWidget',
      observed: heap.totals
        ? widgets
          ? `count ${widgets.count} (want 5000), selfBytes ${widgets.selfBytes} (want ${Math.round(expected)}: ${pct(widgets.selfBytes / expected - 1)}); diff total ${heap.totals.selfBytes} B`
          : `no AccuracyWidget group; diff total ${heap.totals.selfBytes} B in ${heap.totals.count} obj, top: ${heap.groups
              .slice(0, 3)
              .map((g) => `${g.name} x${g.count}`)
              .join(', ')}`
        : `unavailable: ${heap.unavailable}`,
    });
  }
  for (const heap of nothing) {
    if (heap.ramflowPaths?.length)
      notes.push({
        framework,
        what: "retains nothing: ramflow's groups (last steps of a retainer path)",
        observed: heap.ramflowPaths.join(' | '),
      });
    if (!heap.groups) continue;
    notes.push({
      framework,
      what: 'retains nothing: groups',
      observed:
        heap.groups
          .slice(0, 6)
          .map((g) => `${g.name} x${g.count} ${g.selfBytes} B`)
          .join(', ') || '(none)',
    });
  }
  const unavailable = exclusive.records.filter((r) => r.allocationsUnavailable);
  if (unavailable.length)
    notes.push({
      framework,
      what: 'records without a sampled profile',
      observed: `${unavailable.length}: ${[...new Set(unavailable.map((r) => r.allocationsUnavailable))].join(' | ')}`,
    });
  const failures = records.filter((r) => r.failures.length);
  if (failures.length)
    notes.push({
      framework,
      what: 'records with ramflow failures',
      observed: `${failures.length}: ${[...new Set(failures.flatMap((r) => r.failures))].join(', ')}`,
    });
  // Records whose allocated figure is labelled exact and is off by >10% (the first 3 of each route), with where
  // their sampled bytes went.
  const outliers = [];
  const shown = new Map();
  for (const record of records) {
    const f = figure(record, 'allocated', truth);
    if (!f.wrong) continue;
    const key = routeLabel(record);
    shown.set(key, (shown.get(key) ?? 0) + 1);
    if (shown.get(key) > 3) continue;
    outliers.push({
      framework,
      route: key,
      id: record.id,
      allocated: f.value,
      truth: truth.windows[record.route],
      err: pct(f.error),
      gcs: record.gcCount,
      "ramflow's own": `${kb(record.ramflowAllocated)} (sampled in ramflow: ${kb(record.sampledRamflow)})`,
      'top sampled functions': record.top ?? '-',
    });
  }
  for (const [key, count] of shown) {
    if (count > 3) outliers.push({ framework, route: key, id: `... and ${count - 3} more` });
  }
  return { rows, targets, notes, outliers };
}

// ---------------------------------------------------------------------------------------------------------------

/** When @ramflow/core was last built: a rebuild during the run would mix two builds' results. */
function builtAt() {
  try {
    return statSync(new URL('../packages/core/dist/index.mjs', import.meta.url)).mtime.toISOString();
  } catch {
    return '';
  }
}
const built = builtAt();
console.log(
  `node ${process.version}, ${new Date().toISOString()}, @ramflow/core dist built ${built || '?'}; ${requests} requests per route, hot warm-up ${warmHot}, ${bursts} bursts of 10, ${snapshots} snapshots per snapshot route\n`,
);
const started = performance.now();
const allRows = [];
const allTargets = [];
const allNotes = [];
const allOutliers = [];
const truthRows = [];
const raw = {};
let crashed = false;
for (const framework of frameworks) {
  const t0 = performance.now();
  try {
    const truth = await measureTruth(framework);
    const exclusive = await runExclusive(framework);
    const shared = await runShared(framework);
    raw[framework] = { truth, exclusive, shared };
    for (const [path, bytes] of Object.entries(truth.windows)) {
      const [low, high] = truth.spread[path];
      truthRows.push({
        framework,
        route: ROUTE_NAMES[path] ?? path,
        'truth (window)': bytes,
        'spread of windows': `${pct(low / bytes - 1)} .. ${pct(high / bytes - 1)}`,
        discarded: truth.discarded[path],
      });
    }
    const { rows, targets, notes, outliers } = evaluate(framework, truth, exclusive, shared);
    allOutliers.push(...outliers);
    allRows.push(...rows);
    allTargets.push(...targets);
    allNotes.push(...notes);
    console.log(
      `${framework}: done in ${((performance.now() - t0) / 1000).toFixed(0)} s (route functions alone: ${Object.entries(
        truth.alone,
      )
        .map(([name, bytes]) => `${name} ${bytes}`)
        .join(', ')}; AccuracyWidget ${truth.widgetBytes} B)`,
    );
  } catch (error) {
    crashed = true;
    console.error(`${framework}: CRASHED: ${error.stack ?? error}`);
  }
}

console.log('\nTruth: median bytes allocated per request window with ramflow off (probe, no GC inside)');
console.table(truthRows);
console.log('\nramflow figures against the truth (err = figure / truth - 1)');
console.table(allRows);
console.log('\nRecords labelled exact whose allocated figure is off by >10% (first 3 per route)');
if (allOutliers.length) console.table(allOutliers);
else console.log('(none)');
console.log('\nTargets');
console.table(allTargets);
console.log('\nObservations');
console.table(allNotes);
console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`);
if (builtAt() !== built)
  console.log(`WARNING: @ramflow/core was rebuilt during the run (${built} -> ${builtAt()}): run it again.`);
if (jsonOut)
  writeFileSync(
    jsonOut,
    JSON.stringify(
      { raw, rows: allRows, targets: allTargets, notes: allNotes, outliers: allOutliers },
      null,
      1,
    ),
  );
killAll();
process.exitCode = crashed ? 1 : 0;
