// Soak: does ramflow's own memory stay bounded under a long load, in every mode, next to the same app without it?
//
//   npm run soak                                    # build, then Express and Fastify, every mode, 200k requests each
//   node bench/soak.mjs --framework express --requests 50000
//   node bench/soak.mjs --modes off,process --requests 100000 --warmup 5000
//   node bench/soak.mjs --modes off,heap-snapshot --requests 200   # not in the default modes: ~100 ms per request
//   node bench/soak.mjs --json soak.json            # also writes every reading to soak.json
//   node bench/soak.mjs --gc-readings               # a control: every 10k reading also forces two full GCs
//                                                   # (after --idle ms), in every mode alike
//
// Each mode is a fresh example server (bench/lib.mjs startExample) under autocannon with `--connections` (10)
// connections, cycling over the example's routes: `/api/ping`, `/` with a browser Accept header (the toolbar is
// injected when ramflow profiles it), and `/api/report` (~5 MB allocated) once in 50 requests. Modes:
//   off         ramflow not installed (RAMFLOW=off): the baseline every other mode is compared with
//   auto        default options (sampling backend when V8's sampling profiler is available)
//   process     memoryBackend "process"
//   disabled    enabled: false (RAMFLOW=disabled)
//   production  NODE_ENV=production, no options (ramflow stays off by default there)
//   refusing    default options, but every client is non-loopback: the server listens on 0.0.0.0 and the load
//               goes to this machine's first non-loopback IPv4 address (skipped when there is none)
// Memory is read from outside (VmRSS in /proc/<pid>/status) and from inside through the examples' opt-in probe
// (SOAK_PROBE=1, examples/shared/soak-probe.ts: process.memoryUsage() on a stdin command). Readings: after the
// warm-up (`--warmup`, 30k requests: the JIT and ramflow's bounded stores settle), every 10k requests, and at
// the end. The start and end readings are taken after `--idle` ms (3000) without load, so deferred work that
// runs when an app goes quiet has run (ramflow settles its records and fetches its sampling profile then), and
// two forced full garbage collections (through the probe, in every mode alike), so uncollected garbage is not
// counted as growth.
// Off-heap = RSS - heapTotal: everything the process holds outside V8's JS heap (native allocations, code,
// stacks, Buffers). Growth = end - start. A mode PASSes when its RSS and off-heap growth are each within 5 MB of
// the off mode's and it saw 0 errors. Then SIGTERM, and the time until the process exits.
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { benchNodeFlags, loadRequests, option as readOption, startExample } from './lib.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => readOption(args, name, fallback);
const requests = Number(option('requests', 200_000));
const warmup = Number(option('warmup', 30_000));
const idleMs = Number(option('idle', 3000));
const connections = Number(option('connections', 10));
const step = Math.min(10_000, requests);
const toleranceMb = 5;
const gcReadings = args.includes('--gc-readings');
const MB = 1e6;
const PROBE_PREFIX = 'soak-probe ';

const FRAMEWORKS = {
  express: 'examples/express/src/server.ts',
  fastify: 'examples/fastify/src/server.ts',
  koa: 'examples/koa/src/server.ts',
};
const MODES = {
  off: { env: { RAMFLOW: 'off' } },
  auto: { env: {} },
  process: { env: { RAMFLOW_BACKEND: 'process' } },
  'heap-snapshot': { env: { RAMFLOW_BACKEND: 'heap-snapshot' } },
  disabled: { env: { RAMFLOW: 'disabled' } },
  production: { env: {}, nodeEnv: 'production' },
  refusing: { env: { HOST: '0.0.0.0' }, remote: true },
};
const DEFAULT_MODES = ['off', 'auto', 'process', 'disabled', 'production', 'refusing'];

const frameworks = option('framework', 'express,fastify').split(',');
const modes = option('modes', DEFAULT_MODES.join(',')).split(',');
for (const name of frameworks) if (!FRAMEWORKS[name]) throw new Error(`unknown framework ${name}`);
for (const name of modes) if (!MODES[name]) throw new Error(`unknown mode ${name}`);

/** One in 50 requests is the ~5 MB report; the rest alternate between the JSON ping and the HTML page. */
const MIX = Array.from({ length: 50 }, (_, i) => {
  if (i === 0) return { method: 'GET', path: '/api/report' };
  if (i % 2 === 1)
    return { method: 'GET', path: '/', headers: { accept: 'text/html,application/xhtml+xml' } };
  return { method: 'GET', path: '/api/ping' };
});

function nonLoopbackAddress() {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (!address.internal && address.family === 'IPv4') return address.address;
    }
  }
  return undefined;
}

/** Sends the probe commands to the server's stdin; resolves with its answers, in order. */
function probeOf(child) {
  const waiting = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.startsWith(PROBE_PREFIX)) waiting.shift()?.(JSON.parse(line.slice(PROBE_PREFIX.length)));
  });
  return (gc) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the memory probe did not answer in 60 s')), 60_000);
      waiting.push((answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      child.stdin.write(gc ? 'memory gc\n' : 'memory\n');
    });
}

function vmRss(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

async function reading(child, probe, done, gc) {
  if (gc) await delay(idleMs);
  const usage = await probe(gc);
  return {
    requests: done,
    rss: vmRss(child.pid),
    heapUsed: usage.heapUsed,
    heapTotal: usage.heapTotal,
    offHeap: usage.rss - usage.heapTotal,
    external: usage.external,
    arrayBuffers: usage.arrayBuffers,
    malloced: usage.mallocedMemory,
  };
}

function countErrors(result) {
  return result.errors + result.timeouts + result.non2xx;
}

async function soak(framework, modeName) {
  const mode = MODES[modeName];
  let host = '127.0.0.1';
  if (mode.remote) {
    host = nonLoopbackAddress();
    if (host === undefined)
      return { mode: modeName, skipped: 'no non-loopback IPv4 address on this machine' };
  }
  const server = await startExample(
    FRAMEWORKS[framework],
    { ...mode.env, SOAK_PROBE: '1' },
    `${framework}/${modeName}`,
    benchNodeFlags(args),
    { nodeEnv: mode.nodeEnv ?? 'development', stdin: true },
  );
  const { child, port } = server;
  const probe = probeOf(child);
  const began = performance.now();
  let errors = 0;
  const run = async (amount) => {
    const result = await loadRequests(port, { host, requests: MIX, amount, connections });
    errors += countErrors(result);
    return result;
  };
  try {
    if (warmup > 0) await run(warmup);
    const readings = [await reading(child, probe, 0, true)];
    let done = 0;
    let requestsPerSecond = 0;
    while (done < requests) {
      const amount = Math.min(step, requests - done);
      const result = await run(amount);
      requestsPerSecond += result.requests.average * amount;
      done += amount;
      if (done < requests) readings.push(await reading(child, probe, done, gcReadings));
    }
    readings.push(await reading(child, probe, done, true));
    const exitStart = performance.now();
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code, signal] = await exited;
    const exitMs = performance.now() - exitStart;
    return {
      mode: modeName,
      host,
      readings,
      errors,
      requestsPerSecond: requestsPerSecond / done,
      exitMs,
      exit: signal ?? code,
      seconds: (performance.now() - began) / 1000,
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

const mb = (bytes) => (bytes / MB).toFixed(1);
const signed = (bytes) => `${bytes >= 0 ? '+' : ''}${mb(bytes)}`;

function table(framework, results) {
  const off = results.find((result) => result.mode === 'off' && !result.skipped);
  const growth = (result, key) => result.readings.at(-1)[key] - result.readings[0][key];
  const per10k = (bytes) => signed((bytes * 10_000) / requests);
  console.log(
    `\n${framework}: ${requests} requests per mode after ${warmup} warm-up, ${connections} connections`,
  );
  console.log(
    '| mode | RSS MB start→end | heap used MB start→end | off-heap MB start→end | RSS growth MB (per 10k) | off-heap growth MB (per 10k) | RSS growth − off | off-heap growth − off | errors | req/s | SIGTERM→exit | verdict |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const result of results) {
    if (result.skipped) {
      console.log(`| ${result.mode} | skipped: ${result.skipped} |`);
      continue;
    }
    const [first, last] = [result.readings[0], result.readings.at(-1)];
    const rss = growth(result, 'rss');
    const offHeap = growth(result, 'offHeap');
    const rssOverOff = off ? rss - growth(off, 'rss') : Number.NaN;
    const offHeapOverOff = off ? offHeap - growth(off, 'offHeap') : Number.NaN;
    const within = (bytes) => result.mode === 'off' || bytes <= toleranceMb * MB;
    const pass = off !== undefined && within(rssOverOff) && within(offHeapOverOff) && result.errors === 0;
    const verdict = off === undefined ? 'n/a (no off run)' : pass ? 'PASS' : 'FAIL';
    console.log(
      `| ${result.mode} | ${mb(first.rss)} → ${mb(last.rss)} | ${mb(first.heapUsed)} → ${mb(last.heapUsed)} | ` +
        `${mb(first.offHeap)} → ${mb(last.offHeap)} | ${signed(rss)} (${per10k(rss)}) | ${signed(offHeap)} (${per10k(offHeap)}) | ` +
        `${result.mode === 'off' ? '—' : signed(rssOverOff)} | ${result.mode === 'off' ? '—' : signed(offHeapOverOff)} | ` +
        `${result.errors} | ${Math.round(result.requestsPerSecond)} | ${Math.round(result.exitMs)} ms | ${verdict} |`,
    );
  }
  for (const [key, label] of [
    ['rss', 'RSS'],
    ['offHeap', 'off-heap'],
  ]) {
    console.log(`\n${label} MB at start, every ${step / 1000}k requests (no forced GC), and end:`);
    for (const result of results) {
      if (!result.skipped)
        console.log(`  ${result.mode.padEnd(10)} ${result.readings.map((r) => mb(r[key])).join(' ')}`);
    }
  }
}

console.log(
  `node ${process.version}; soak of ${frameworks.join(', ')}; modes ${modes.join(', ')}; started ${new Date().toISOString()}`,
);
console.log(
  `start/end readings follow ${idleMs} ms idle and two forced full GCs (probe, every mode alike); off-heap = RSS - heapTotal; PASS = RSS and off-heap growth within 5 MB of off, 0 errors`,
);
if (!modes.includes('heap-snapshot'))
  console.log(
    'heap-snapshot mode skipped by default (two heap snapshots per request, ~100 ms each); ask for it with --modes and a small --requests',
  );
let failed = false;
const all = {};
for (const framework of frameworks) {
  const results = [];
  all[framework] = results;
  for (const mode of modes) {
    const result = await soak(framework, mode);
    if (result.skipped) console.log(`${framework}/${mode}: skipped: ${result.skipped}`);
    else
      console.log(
        `${framework}/${mode}: ${Math.round(result.seconds)} s, off-heap ${mb(result.readings[0].offHeap)} → ${mb(result.readings.at(-1).offHeap)} MB, ${result.errors} errors, exit ${result.exit} after ${Math.round(result.exitMs)} ms`,
      );
    results.push(result);
  }
  table(framework, results);
  const off = results.find((result) => result.mode === 'off' && !result.skipped);
  for (const result of results) {
    if (result.skipped || !off || result.mode === 'off') continue;
    const over = (key) =>
      result.readings.at(-1)[key] -
      result.readings[0][key] -
      (off.readings.at(-1)[key] - off.readings[0][key]);
    if (result.errors > 0 || over('rss') > toleranceMb * MB || over('offHeap') > toleranceMb * MB)
      failed = true;
  }
}
const json = option('json', undefined);
if (json !== undefined)
  writeFileSync(
    json,
    `${JSON.stringify({ node: process.version, requests, warmup, connections, results: all }, null, 2)}\n`,
  );
process.exitCode = failed ? 1 : 0;
