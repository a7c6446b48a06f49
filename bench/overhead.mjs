// Throughput of the Express example with ramflow off vs on, measured side by side in one run.
//
//   npm run bench                     # all scenarios
//   node bench/overhead.mjs --duration 5 --rounds 3 --only /hello
//
// Each server runs in its own child process; only one is under load at a time, and the runs alternate
// (off, on, off, on, ...) so drift on a shared machine hits both sides alike. Ratios are medians over rounds.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import autocannon from 'autocannon';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const duration = Number(option('duration', 5));
const rounds = Number(option('rounds', 3));
const connections = Number(option('connections', 10));
const only = option('only', undefined);
const root = new URL('..', import.meta.url).pathname;

const variants = [
  { name: 'off', env: { RAMFLOW: 'off' } },
  { name: 'process', env: { RAMFLOW_BACKEND: 'process' } },
  { name: 'process+exact', env: { RAMFLOW_BACKEND: 'process', RAMFLOW_HEAP_DELTA: 'exact' } },
];
const routes = ['/api/ping', '/api/report', '/'].filter((route) => !only || route === only);

async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  return port;
}

async function start(variant) {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/express/src/server.ts'], {
    cwd: root,
    env: { ...process.env, ...variant.env, PORT: String(port), NODE_ENV: 'development' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (data) => {
      if (String(data).includes('http://')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${variant.name} server exited with ${code}`)));
  });
  return { ...variant, port, child };
}

async function load(port, path, seconds) {
  const result = await autocannon({ url: `http://127.0.0.1:${port}${path}`, connections, duration: seconds });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${path}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const servers = [];
try {
  for (const variant of variants) servers.push(await start(variant));
  console.log(
    `node ${process.version}, ${connections} connections, ${rounds} rounds x ${duration} s per variant and route\n`,
  );
  const rows = [];
  for (const route of routes) {
    for (const server of servers) await load(server.port, route, 1); // warm up JIT and caches
    const rps = Object.fromEntries(servers.map((s) => [s.name, []]));
    for (let round = 0; round < rounds; round++) {
      for (const server of servers) rps[server.name].push(await load(server.port, route, duration));
    }
    const base = median(rps.off);
    for (const server of servers) {
      const value = median(rps[server.name]);
      rows.push({
        route,
        variant: server.name,
        'req/s (median)': Math.round(value),
        runs: rps[server.name].map(Math.round).join(' '),
        'ratio vs off': (value / base).toFixed(3),
      });
    }
  }
  console.table(rows);
} finally {
  for (const server of servers) server.child.kill('SIGTERM');
}
