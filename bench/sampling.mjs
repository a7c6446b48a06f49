// The sampling backend's cost must not grow with the live heap. Throughput of the Express example's
// /api/report with the sampling backend vs ramflow off, at two live-heap sizes, measured side by side:
//
//   node bench/sampling.mjs                          # BALLAST_MB=20 and 200, 5 rounds x 5 s
//   node bench/sampling.mjs --ballast 20,200,400 --duration 4 --rounds 5
//   node bench/sampling.mjs --v8-defaults            # V8's default flags (see benchNodeFlags in lib.mjs)
//
// Four servers run at once (off and sampling at each size); only one is under load at a time and the runs
// alternate, so drift on a shared machine hits every variant alike, with a pause between runs so one server's
// idle-time work (ramflow's batched profile fetch, V8's memory reducer) does not land in the next one's run.
// Ratios are medians over rounds. Every server, ramflow on or off, runs with V8's allocation-site pretenuring
// off (see benchNodeFlags in lib.mjs; `--v8-defaults` runs without it).
import { benchNodeFlags, load, median, option, startExample } from './lib.mjs';

const args = process.argv.slice(2);
const duration = Number(option(args, 'duration', 5));
const rounds = Number(option(args, 'rounds', 5));
const ballasts = option(args, 'ballast', '20,200').split(',').map(Number);
const path = option(args, 'path', '/api/report');
const extraEnv = Object.fromEntries(
  option(args, 'env', '')
    .split(',')
    .filter(Boolean)
    .map((pair) => pair.split('=')),
);
const ENTRY = 'examples/express/src/server.ts';
const nodeFlags = benchNodeFlags(args);
/** Pause between runs, so the previous server's idle-time work is over (ramflow fetches after 1 s idle). */
const PAUSE_MS = 1500;

console.log(
  `node ${process.version}; Express ${path}; ${rounds} rounds x ${duration} s per variant; sampling vs ramflow off; ` +
    `node flags: ${nodeFlags.join(' ') || '(none)'}\n`,
);
const servers = [];
try {
  for (const mb of ballasts) {
    servers.push(
      await startExample(ENTRY, { RAMFLOW: 'off', BALLAST_MB: String(mb) }, `off@${mb}`, nodeFlags),
    );
    servers.push(
      await startExample(
        ENTRY,
        { RAMFLOW_BACKEND: 'sampling', BALLAST_MB: String(mb), ...extraEnv },
        `sampling@${mb}`,
        nodeFlags,
      ),
    );
  }
  for (const server of servers) await load(server.port, path, { seconds: 2 }); // warm up
  const rps = Object.fromEntries(servers.map((s) => [s.label, []]));
  for (let round = 0; round < rounds; round++) {
    for (const server of servers) {
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
      rps[server.label].push(await load(server.port, path, { seconds: duration }));
    }
  }
  const rows = [];
  const ratios = [];
  for (const mb of ballasts) {
    const off = median(rps[`off@${mb}`]);
    const on = median(rps[`sampling@${mb}`]);
    ratios.push(on / off);
    rows.push({
      'live heap ballast': `${mb} MB`,
      'off req/s': Math.round(off),
      'sampling req/s': Math.round(on),
      'ratio sampling/off': Number((on / off).toFixed(3)),
      'runs off': rps[`off@${mb}`].map(Math.round).join(' '),
      'runs sampling': rps[`sampling@${mb}`].map(Math.round).join(' '),
    });
  }
  console.table(rows);
  // What the sampler did in each sampling server: rotations (profile fetches, each a full GC) and their cost.
  const stats = [];
  for (const server of servers.filter((s) => s.label.startsWith('sampling'))) {
    const response = await fetch(`http://127.0.0.1:${server.port}/__ramflow/api/backend`);
    const { stats: s } = await response.json();
    stats.push({
      server: server.label,
      rotations: s.rotations,
      'by view/idle/bounds/governor': `${s.rotationsBy.view}/${s.rotationsBy.idle}/${s.rotationsBy.bounds}/${s.rotationsBy.governor}`,
      'rotation ms total': Math.round(s.totalRotationMs),
      'last rotation ms': Math.round(s.lastRotationMs),
      'markers found/missed': `${s.markersFound}/${s.markersMissed}`,
      'interval now': s.currentInterval,
    });
  }
  console.table(stats);
  const spread = Math.max(...ratios) - Math.min(...ratios);
  const lowest = Math.min(...ratios);
  console.log(
    `lowest ratio ${lowest.toFixed(3)} (target >= 0.85: ${lowest >= 0.85 ? 'met' : 'NOT met'}); ` +
      `spread across heap sizes ${spread.toFixed(3)} (target <= 0.05: ${spread <= 0.05 ? 'met' : 'NOT met'})`,
  );
} finally {
  for (const server of servers) server.child.kill('SIGTERM');
}
