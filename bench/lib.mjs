// Shared pieces of the benchmarks: example servers in child processes, autocannon load, medians.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import autocannon from 'autocannon';

export const root = new URL('..', import.meta.url).pathname;

export function option(args, name, fallback) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
}

async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  return port;
}

/**
 * Starts an example server (`entry`, relative to the repo) with extra environment and V8/Node flags; resolves
 * once it listens. `nodeEnv` is its NODE_ENV (default `development`); `stdin: true` gives it a stdin pipe (the
 * soak's memory probe reads commands from it).
 */
export async function startExample(
  entry,
  env,
  label,
  nodeFlags = [],
  { nodeEnv = 'development', stdin = false } = {},
) {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', entry], {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port), NODE_ENV: nodeEnv },
    stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (data) => {
      if (String(data).includes('http://')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${label} server exited with ${code}`)));
  });
  return { port, child, label };
}

/**
 * Node flags every benchmark server runs with, ramflow on or off: V8's allocation-site pretenuring off. With it
 * on, V8 flips a coin per process on the examples' /api/report: in some processes (one 200 MB server in 5-10 runs
 * of bench/sampling.mjs, one in three under --cpu-prof) it pretenures buildReport's objects while the code warms
 * up, and that process then serves ~85 instead of ~290 req/s for its whole life (scavenges 10x slower, the old
 * generation growing ~8 MB per scavenge). It happens as often with ramflow off as on (BENCHMARKS.md), so with the
 * flag the ratios measure ramflow, not which process lost the coin flip. `--v8-defaults` runs without it.
 */
export function benchNodeFlags(args) {
  return args.includes('--v8-defaults') ? [] : ['--no-allocation-site-pretenuring'];
}

/** Average requests per second over `seconds` of load with `connections` connections. */
export async function load(port, path, { seconds, connections = 10, headers = {} }) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    headers,
    connections,
    duration: seconds,
  });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${path}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

/**
 * Runs exactly `amount` requests (autocannon `requests`: each connection cycles through them) against
 * `host:port`; resolves with autocannon's result (errors are counted in it, not thrown).
 */
export function loadRequests(port, { host = '127.0.0.1', requests, amount, connections = 10 }) {
  return autocannon({ url: `http://${host}:${port}`, requests, amount, connections });
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
