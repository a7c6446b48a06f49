// Throughput of the example apps with ramflow off vs on, measured side by side in one run.
//
//   npm run bench                                   # bench/sampling.mjs, then this: every framework, process vs off
//   node bench/overhead.mjs --sampling              # adds the sampling backend as a third variant
//   node bench/overhead.mjs --sampling --inlining   # and the sampling backend with V8's inlining left on
//   node bench/overhead.mjs --framework express --exact --duration 5 --rounds 3
//   node bench/overhead.mjs --framework fastify,koa --only /api/ping
//
// Each server runs in its own child process; only one is under load at a time, and the runs alternate
// (off, on, off, on, ...) so drift on a shared machine hits both sides alike. Ratios are medians over rounds.
// The load generator (autocannon) shares the machine's two cores with the server: the ratios include the
// client's cost of reading ramflow's extra headers, as a browser would pay it. Servers run with V8's
// allocation-site pretenuring off (benchNodeFlags in lib.mjs; `--v8-defaults` runs without it).
import { existsSync } from 'node:fs';
import {
  benchNodeFlags,
  load as loadPath,
  median,
  option as readOption,
  root,
  startExample,
} from './lib.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => readOption(args, name, fallback);
const duration = Number(option('duration', 5));
const rounds = Number(option('rounds', 3));
const connections = Number(option('connections', 10));
const only = option('only', undefined);
const withExact = args.includes('--exact');

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
  ...(args.includes('--sampling') ? [{ name: 'sampling', env: { RAMFLOW_BACKEND: 'sampling' } }] : []),
  ...(args.includes('--inlining')
    ? [{ name: 'sampling+inlining', env: { RAMFLOW_BACKEND: 'sampling', RAMFLOW_INLINING: 'on' } }]
    : []),
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

async function start(framework, variant) {
  const { entry, env = {} } = FRAMEWORKS[framework];
  const server = await startExample(
    entry,
    { ...env, ...variant.env },
    `${framework}/${variant.name}`,
    benchNodeFlags(args),
  );
  return { ...variant, ...server };
}

const load = (port, route, seconds) =>
  loadPath(port, route.path, { seconds, connections, headers: route.headers });

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
