// Throughput of the example apps with ramflow off vs on, measured side by side in one run.
//
//   npm run bench                                   # every framework, process backend vs off
//   node bench/overhead.mjs --framework express --exact --duration 5 --rounds 3
//   node bench/overhead.mjs --framework fastify,koa --only /api/ping
//
// Each server runs in its own child process; only one is under load at a time, and the runs alternate
// (off, on, off, on, ...) so drift on a shared machine hits both sides alike. Ratios are medians over rounds.
// The load generator (autocannon) shares the machine's two cores with the server: the ratios include the
// client's cost of reading ramflow's extra headers, as a browser would pay it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
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
const withExact = args.includes('--exact');
const root = new URL('..', import.meta.url).pathname;

const FRAMEWORKS = {
  express: { entry: 'examples/express/src/server.ts' },
  fastify: { entry: 'examples/fastify/src/server.ts' },
  koa: { entry: 'examples/koa/src/server.ts' },
  'nest-express': { entry: 'examples/nest/src/server.ts', env: { NEST_PLATFORM: 'express' } },
  'nest-fastify': { entry: 'examples/nest/src/server.ts', env: { NEST_PLATFORM: 'fastify' } },
};
const frameworks = option('framework', Object.keys(FRAMEWORKS).join(','))
  .split(',')
  .filter((name) => FRAMEWORKS[name] && existsSync(new URL(FRAMEWORKS[name].entry, `file://${root}`)));

const variants = [
  { name: 'off', env: { RAMFLOW: 'off' } },
  { name: 'process', env: { RAMFLOW_BACKEND: 'process' } },
  ...(withExact
    ? [{ name: 'process+exact', env: { RAMFLOW_BACKEND: 'process', RAMFLOW_HEAP_DELTA: 'exact' } }]
    : []),
];
const routes = [
  { label: 'trivial JSON  GET /api/ping', path: '/api/ping', headers: {} },
  { label: '~5 MB report  GET /api/report', path: '/api/report', headers: {} },
  {
    label: 'HTML page     GET / (browser Accept: toolbar injected)',
    path: '/',
    headers: { accept: 'text/html' },
  },
].filter((route) => !only || route.path === only);

async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  return port;
}

async function start(framework, variant) {
  const port = await freePort();
  const { entry, env = {} } = FRAMEWORKS[framework];
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: root,
    env: { ...process.env, ...env, ...variant.env, PORT: String(port), NODE_ENV: 'development' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (data) => {
      if (String(data).includes('http://')) resolve();
    });
    child.once('exit', (code) =>
      reject(new Error(`${framework}/${variant.name} server exited with ${code}`)),
    );
  });
  return { ...variant, port, child };
}

async function load(port, route, seconds) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${route.path}`,
    headers: route.headers,
    connections,
    duration: seconds,
  });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${route.path}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

console.log(
  `node ${process.version}, ${connections} connections, ${rounds} rounds x ${duration} s per variant and route\n`,
);
const rows = [];
for (const framework of frameworks) {
  const servers = [];
  try {
    for (const variant of variants) servers.push(await start(framework, variant));
    for (const route of routes) {
      for (const server of servers) await load(server.port, route, 1); // warm up JIT and caches
      const rps = Object.fromEntries(servers.map((s) => [s.name, []]));
      for (let round = 0; round < rounds; round++) {
        for (const server of servers) rps[server.name].push(await load(server.port, route, duration));
      }
      const base = median(rps.off);
      for (const server of servers) {
        if (server.name === 'off') continue;
        const value = median(rps[server.name]);
        rows.push({
          framework,
          route: route.label,
          variant: server.name,
          'off req/s': Math.round(base),
          'on req/s': Math.round(value),
          'ratio on/off': Number((value / base).toFixed(3)),
          'runs (on)': rps[server.name].map(Math.round).join(' '),
        });
      }
    }
  } finally {
    for (const server of servers) server.child.kill('SIGTERM');
  }
}
console.table(rows);
