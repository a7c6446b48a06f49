// The heap-snapshot backend's analysis against the tools people use for the same job: parse-and-diff time and peak
// memory of ramflow's parser, @memlab/core and heap-snapshot-toolkit (DevTools' loader), side by side in one run.
//
//   node bench/snapshot-parse.mjs                      # ~200 MB snapshots, 3 rounds
//   node bench/snapshot-parse.mjs --mb 50 --rounds 5 --tools ramflow,memlab
//   node bench/snapshot-parse.mjs --regenerate         # write the snapshot pair again
//
// A child process builds an object-dense heap of about --mb MB of snapshot, writes a "before" snapshot, allocates a
// request-like batch of objects that stay alive, and writes an "after" snapshot; the pair is cached in the OS temp
// directory (keyed by size, generator version and Node version). Every tool then does the same task: learn from the
// before snapshot which objects existed, load the after snapshot, and group the new live objects (odd ids above the
// before snapshot's highest) by class with count, self size and retained size. Each run is a fresh child process
// (bench/snapshot-workers/<tool>.mjs), so its peak RSS is its own; rounds alternate the tools so drift on a shared
// machine hits them alike. Figures are medians over rounds, peak RSS the highest. Targets: ramflow >= 4x faster
// than both, and its peak RSS <= 1.5 x the after snapshot's file size.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { median, option, root } from './lib.mjs';

const args = process.argv.slice(2);
const mb = Number(option(args, 'mb', 200));
const rounds = Number(option(args, 'rounds', 3));
const tools = option(args, 'tools', 'ramflow,memlab,toolkit').split(',');
const regenerate = args.includes('--regenerate');
/** Bump when make-pair.mjs changes what it writes. */
const GENERATOR_VERSION = 1;
const WORKERS = join(root, 'bench/snapshot-workers');
/** memlab and the toolkit hold whole snapshots in JS objects; ramflow runs with Node's default heap limit. */
const NODE_FLAGS = {
  ramflow: [],
  memlab: ['--max-old-space-size=8192'],
  toolkit: ['--max-old-space-size=8192'],
};
const LABELS = { ramflow: 'ramflow', memlab: '@memlab/core', toolkit: 'heap-snapshot-toolkit' };
const MiB = 1024 * 1024;

function packageVersion(name) {
  try {
    return JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return 'not installed';
  }
}

function run(script, scriptArgs, flags = []) {
  const child = spawn(process.execPath, [...flags, script, ...scriptArgs], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return once(child, 'exit').then(([code, signal]) => ({ code, signal }));
}

/** The cached before/after pair for this size, written first if missing (or with --regenerate). */
async function snapshotPair() {
  const dir = join(tmpdir(), 'ramflow-bench-snapshots');
  mkdirSync(dir, { recursive: true });
  const stem = join(dir, `pair-v${GENERATOR_VERSION}-${mb}mb-node${process.version}`);
  const pair = { before: `${stem}-before.heapsnapshot`, after: `${stem}-after.heapsnapshot` };
  const done = `${stem}.json`;
  if (!regenerate && existsSync(done) && existsSync(pair.before) && existsSync(pair.after)) {
    const meta = JSON.parse(readFileSync(done, 'utf8'));
    if (statSync(pair.before).size === meta.beforeBytes && statSync(pair.after).size === meta.afterBytes) {
      console.log(`snapshot pair from cache (${stem}-*; --regenerate to write it again)`);
      return pair;
    }
  }
  rmSync(done, { force: true });
  console.log(`writing a ${mb} MB snapshot pair to ${stem}-* ...`);
  const began = performance.now();
  const tmp = { before: `${pair.before}.tmp`, after: `${pair.after}.tmp` };
  const { code } = await run(
    join(WORKERS, 'make-pair.mjs'),
    [String(mb), tmp.before, tmp.after],
    ['--max-old-space-size=8192'],
  );
  if (code !== 0) throw new Error(`snapshot generator exited with ${code}`);
  renameSync(tmp.before, pair.before);
  renameSync(tmp.after, pair.after);
  const meta = { beforeBytes: statSync(pair.before).size, afterBytes: statSync(pair.after).size };
  writeFileSync(done, JSON.stringify(meta));
  console.log(`written in ${((performance.now() - began) / 1000).toFixed(1)} s`);
  return pair;
}

/** Reads a file once so every tool, the first one included, finds it in the page cache. */
async function warm(path) {
  for await (const _ of createReadStream(path, { highWaterMark: 4 * MiB }));
}

async function runTool(tool, pair, round) {
  const out = join(tmpdir(), `ramflow-bench-${process.pid}-${tool}-${round}.json`);
  rmSync(out, { force: true });
  const { code, signal } = await run(
    join(WORKERS, `${tool}.mjs`),
    [pair.before, pair.after, out],
    NODE_FLAGS[tool],
  );
  if (code !== 0 || !existsSync(out))
    return { error: `${LABELS[tool]} child exited with ${signal ?? code} (round ${round + 1})` };
  const result = JSON.parse(readFileSync(out, 'utf8'));
  rmSync(out, { force: true });
  return result;
}

const pair = await snapshotPair();
const beforeBytes = statSync(pair.before).size;
const afterBytes = statSync(pair.after).size;
await warm(pair.before);
await warm(pair.after);
console.log(
  `node ${process.version}; before ${(beforeBytes / MiB).toFixed(1)} MB, after ${(afterBytes / MiB).toFixed(1)} MB; ` +
    `${rounds} rounds, a fresh child per tool per round; @memlab/core ${packageVersion('@memlab/core')}, ` +
    `heap-snapshot-toolkit ${packageVersion('heap-snapshot-toolkit')}\n`,
);

const results = Object.fromEntries(tools.map((tool) => [tool, []]));
const failures = {};
for (let round = 0; round < rounds; round++) {
  for (const tool of tools) {
    if (failures[tool]) continue;
    const result = await runTool(tool, pair, round);
    if (result.error) {
      failures[tool] = result.error;
      console.error(`${result.error}: leaving ${LABELS[tool]} out of the remaining rounds`);
      continue;
    }
    results[tool].push(result);
    console.log(
      `round ${round + 1} ${LABELS[tool]}: ${Math.round(result.ms)} ms (before ${Math.round(result.phases.before)}, ` +
        `after ${Math.round(result.phases.after)}, diff ${Math.round(result.phases.diff)}), ` +
        `peak RSS ${Math.round(result.maxRssBytes / MiB)} MB` +
        (result.from ? `; ${result.from}` : ''),
    );
  }
}

const summary = {};
for (const tool of tools) {
  const runs = results[tool];
  if (runs.length === 0) continue;
  summary[tool] = {
    ms: median(runs.map((r) => r.ms)),
    peakRss: Math.max(...runs.map((r) => r.maxRssBytes)),
    medianRss: median(runs.map((r) => r.maxRssBytes)),
    last: runs[runs.length - 1],
    runs,
  };
}
console.log();
console.table(
  Object.entries(summary).map(([tool, s]) => ({
    tool: LABELS[tool],
    'median ms': Math.round(s.ms),
    'runs ms': s.runs.map((r) => Math.round(r.ms)).join(' '),
    'peak RSS MB': Math.round(s.peakRss / MiB),
    'peak RSS / file': Number((s.peakRss / afterBytes).toFixed(2)),
    'new objects': s.last.totals.count,
    'x ramflow time': summary.ramflow ? Number((s.ms / summary.ramflow.ms).toFixed(2)) : '-',
  })),
);

// The same work: the largest groups (by count) and what every tool found for them.
const reference = summary.ramflow ?? Object.values(summary)[0];
if (reference) {
  const byName = Object.fromEntries(
    Object.entries(summary).map(([tool, s]) => [tool, new Map(s.last.groups.map((g) => [g.name, g]))]),
  );
  const top = reference.last.groups.slice(0, 5).map((g) => g.name);
  let agree = true;
  const rows = top.map((name) => {
    const row = { class: name };
    const counts = [];
    for (const tool of Object.keys(summary)) {
      const group = byName[tool].get(name);
      counts.push(group?.count);
      row[`${tool} count`] = group?.count ?? '-';
    }
    for (const tool of Object.keys(summary)) {
      const group = byName[tool].get(name);
      row[`${tool} self/retained KB`] = group
        ? `${Math.round(group.selfBytes / 1024)}/${Math.round(group.retainedBytes / 1024)}`
        : '-';
    }
    if (new Set(counts).size !== 1) agree = false;
    return row;
  });
  console.log('\nCross-check: the five largest groups of new objects by count, as each tool found them');
  console.table(rows);
  const ids = Object.entries(summary).map(([tool, s]) => `${tool} ${s.last.beforeMaxId}`);
  console.log(
    `counts per class agree across tools: ${agree ? 'yes' : 'NO'}; before snapshot's highest JS id: ${ids.join(', ')}`,
  );
}

if (summary.ramflow) {
  const lines = [];
  let met = true;
  for (const tool of ['memlab', 'toolkit']) {
    if (!summary[tool]) continue;
    const ratio = summary[tool].ms / summary.ramflow.ms;
    met &&= ratio >= 4;
    lines.push(
      `${LABELS[tool]} / ramflow time ${ratio.toFixed(2)}x (target >= 4: ${ratio >= 4 ? 'met' : 'NOT met'})`,
    );
  }
  const rss = summary.ramflow.peakRss / afterBytes;
  met &&= rss <= 1.5;
  lines.push(
    `ramflow peak RSS ${Math.round(summary.ramflow.peakRss / MiB)} MB = ${rss.toFixed(2)}x the after file ` +
      `(target <= 1.5: ${rss <= 1.5 ? 'met' : 'NOT met'})`,
  );
  console.log(`\n${lines.join('\n')}\nall targets ${met ? 'met' : 'NOT met'}`);
}
const failed = Object.values(failures);
if (failed.length > 0) {
  console.error(`\nFAILED: ${failed.join('; ')}`);
  process.exitCode = 1;
}
