// The app of bench/snapshot-cost.mjs: an Express server with ramflow (the built packages) holding a heap of a
// given kind and size, so that one `?ramflow=snapshot` request measures a snapshot through ramflow's real path
// (worker thread, `inspector.Session.connectToMainThread`, streaming parse and diff in the worker).
//
//   node --expose-gc bench/snapshot-workers/snapshot-app.mjs <objects|strings|large> <MB> ['<options JSON>']
//
// objects: bench/snapshot-workers/heap-mix.mjs (orders, lines, closures, a Map: ~5 small objects per order);
// strings: the examples' BALLAST_MB ballast (per MB 1,024 strings of ~1 KB, built as cons strings over one
// shared 1,000-character string, so ~0.6 MB of heap per "MB");
// large: 256 KiB flat strings (V8's large-object space: 4 objects per MB).
// Prints one JSON line with its port and heap figures once it listens. GET /touch is a trivial route;
// GET /record/:id answers the stored record.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { ramflow } from '@ramflow/express';
import express from 'express';
import { buildHeap } from './heap-mix.mjs';

const [kind, mbText, optionsJson] = process.argv.slice(2);
const MiB = 1024 * 1024;
const mb = Number(mbText);
if (!['objects', 'strings', 'large'].includes(kind) || !(mb >= 0)) {
  console.error('usage: snapshot-app.mjs <objects|strings|large> <MB> [options JSON]');
  process.exit(2);
}

const held = [];
if (kind === 'objects') buildHeap(mb * MiB);
else if (kind === 'large')
  for (let i = 0; i < mb * 4; i++) held.push(Buffer.alloc(MiB / 4, 97 + (i % 26)).toString('latin1'));
else
  for (let m = 0; m < mb; m++) {
    const block = [];
    for (let i = 0; i < 1024; i++) block.push(`ballast-${m}-${i}-${'b'.repeat(1000)}`);
    held.push(block);
  }
globalThis.gc?.();
globalThis.gc?.();

function heapFigures() {
  const stats = getHeapStatistics();
  const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, s.space_used_size]));
  return { heapUsed: stats.used_heap_size, totalHeap: stats.total_heap_size, spaces };
}

const app = express();
const middleware = ramflow({
  memoryBackend: 'process',
  logger: { info() {}, warn() {}, error: (m) => console.error(m) },
  ...JSON.parse(optionsJson ?? '{}'),
});
app.use(middleware);
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
app.get('/touch', (_req, res) => {
  res.json({ ok: true });
});
app.get('/heap', (_req, res) => {
  res.json(heapFigures());
});
app.get('/record/:id', async (req, res) => {
  await middleware.ramflow.flush();
  const record = await middleware.ramflow.store.get(req.params.id);
  res.json({ record, maxLoopDelayMs: delay.max / 1e6 });
  delay.reset();
});
const server = app.listen(0, '127.0.0.1', () => {
  delay.reset();
  console.log(JSON.stringify({ port: server.address().port, kind, mb, held: held.length, ...heapFigures() }));
});
