// What one heap-snapshot request costs an app, by heap size and kind, through ramflow's real path: the pause of
// each snapshot (the main thread is blocked while V8 serializes the heap to the worker) and the process's peak RSS
// during the request, read from outside (/proc/<pid>/status VmHWM, reset through /proc/<pid>/clear_refs first).
// These figures are what the snapshot guard's estimate (packages/core/src/backends/heap-snapshot/snapshot-guard.ts) rests on.
//
//   npm run build && node bench/snapshot-cost.mjs --kinds objects,strings --sizes 20,100,300,600 --rounds 3
//
// Each round is a fresh child (bench/snapshot-workers/snapshot-app.mjs) holding the heap, then one
// `GET /touch?ramflow=snapshot`. A watchdog kills a child whose RSS passes --max-rss-mb (default 12000) and
// reports it. Prints one JSON line per round, then a table of medians.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { median, option, root } from './lib.mjs';

const args = process.argv.slice(2);
const kinds = option(args, 'kinds', 'objects,strings').split(',');
const sizes = option(args, 'sizes', '20,100,300,600').split(',').map(Number);
const rounds = Number(option(args, 'rounds', 3));
const maxRssMb = Number(option(args, 'max-rss-mb', 12000));
const ramflowOptions = option(args, 'options', '{"heapSnapshotMaxPauseMs":1e9}');
const MiB = 1024 * 1024;

function status(pid) {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(text)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

async function startApp(kind, mb) {
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      '--max-old-space-size=8192',
      'bench/snapshot-workers/snapshot-app.mjs',
      kind,
      String(mb),
      ramflowOptions,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const info = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (data) => {
      out += data;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line));
    });
    child.once('exit', (code) => reject(new Error(`the app exited with ${code} before listening`)));
  });
  return { child, info };
}

async function round(kind, mb) {
  const { child, info } = await startApp(kind, mb);
  const base = `http://127.0.0.1:${info.port}`;
  try {
    await (await fetch(`${base}/touch`)).json();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const before = status(child.pid);
    // Resets VmHWM to the current RSS (Linux >= 4.0): the peak read afterwards is the snapshot request's.
    writeFileSync(`/proc/${child.pid}/clear_refs`, '5');
    let killed;
    let maxSeen = before.rss;
    const watchdog = setInterval(() => {
      try {
        const { rss } = status(child.pid);
        maxSeen = Math.max(maxSeen, rss);
        if (rss > maxRssMb * MiB && killed === undefined) {
          killed = rss;
          child.kill('SIGKILL');
        }
      } catch {}
    }, 20);
    const began = performance.now();
    let response;
    try {
      response = await fetch(`${base}/touch?ramflow=snapshot`);
      await response.json();
    } catch (error) {
      clearInterval(watchdog);
      return { kind, mb, heapUsed: info.heapUsed, killedAtRss: killed, error: String(error) };
    }
    const responseMs = performance.now() - began;
    const id = response.headers.get('x-ramflow-id');
    const { record, maxLoopDelayMs } = await (await fetch(`${base}/record/${id}`)).json();
    const totalMs = performance.now() - began;
    clearInterval(watchdog);
    const after = status(child.pid);
    const snapshots = record?.heap?.snapshots;
    return {
      kind,
      mb,
      heapUsed: info.heapUsed,
      spaces: info.spaces,
      rssBefore: before.rss,
      peakRss: Math.max(after.hwm, maxSeen),
      beforeMs: snapshots?.beforeMs,
      afterMs: snapshots?.afterMs,
      analysisMs: snapshots?.analysisMs,
      fileBytes: snapshots?.afterBytes,
      nodes: snapshots?.nodes,
      edges: snapshots?.edges,
      maxLoopDelayMs,
      responseMs,
      totalMs,
      heapUnavailable: record?.heapUnavailable,
    };
  } finally {
    child.kill('SIGKILL');
  }
}

const results = [];
for (const mb of sizes) {
  for (const kind of kinds) {
    for (let r = 0; r < rounds; r++) {
      const result = await round(kind, mb);
      results.push(result);
      console.log(JSON.stringify(result));
      // Let the machine settle (page cache, the killed child's memory) between rounds.
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

const M = (bytes) => bytes / MiB;
console.log(
  '\n| kind | heap used MB | nodes | file MB | pause before s | pause after s | longest loop stall s | s per MB | ' +
    'RSS before MB | peak RSS MB | growth MB | growth / heap | rounds |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const mb of sizes) {
  for (const kind of kinds) {
    const rows = results.filter((r) => r.kind === kind && r.mb === mb && r.beforeMs !== undefined);
    if (rows.length === 0) {
      console.log(`| ${kind} | ~${mb} | failed or killed | | | | | | | | | | ${rounds} |`);
      continue;
    }
    const m = (f) => median(rows.map(f));
    const heap = m((r) => M(r.heapUsed));
    const pause = m((r) => Math.max(r.beforeMs, r.afterMs) / 1000);
    const growth = m((r) => M(r.peakRss - r.rssBefore));
    console.log(
      `| ${kind} | ${heap.toFixed(0)} | ${(m((r) => r.nodes) / 1e6).toFixed(2)} M | ${m((r) => M(r.fileBytes)).toFixed(0)} | ` +
        `${m((r) => r.beforeMs / 1000).toFixed(2)} | ${m((r) => r.afterMs / 1000).toFixed(2)} | ` +
        `${m((r) => r.maxLoopDelayMs / 1000).toFixed(2)} | ${(pause / heap).toFixed(3)} | ` +
        `${m((r) => M(r.rssBefore)).toFixed(0)} | ${m((r) => M(r.peakRss)).toFixed(0)} | ${growth.toFixed(0)} | ` +
        `${(growth / heap).toFixed(1)} | ${rows.length} |`,
    );
  }
}
