// Apps created and dropped without close() (one app per test), issue 17 item 8: the heap after N Express apps
// with ramflow, each serving 2 requests and then dropped, next to the same without ramflow, in one run.
//
//   node --expose-gc bench/instances.mjs                 # 1000 apps per mode: off, process, sampling
//   node --expose-gc bench/instances.mjs --apps 300 --modes off,process
//
// Each mode runs in its own child process (a fresh heap). Heap used is read after two full collections, after
// 20 warm-up apps and after the N apps; then again after 6 s idle (ramflow releases its GC ledger after 5 s of
// no profiled request). Target: growth within 5 MB of off.
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { option as readOption } from './lib.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => readOption(args, name, fallback);

if (process.env.RAMFLOW_INSTANCES_CHILD) {
  const { default: express } = await import('express');
  const { ramflow } = await import('@ramflow/express');
  const mode = process.env.RAMFLOW_INSTANCES_CHILD;
  const apps = Number(process.env.APPS);
  const quiet = { info() {}, warn() {}, error() {} };
  const get = (port, path) =>
    new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path, headers: { accept: 'text/html' }, agent: false },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end();
    });
  const once = async () => {
    const app = express();
    if (mode !== 'off') app.use(ramflow({ memoryBackend: mode, logger: quiet }));
    app.get('/', (_req, res) => res.type('html').send('<html><body>page</body></html>'));
    app.get('/api', (_req, res) => res.json({ ok: true }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address();
    await get(port, '/');
    await get(port, '/api');
    await new Promise((resolve) => server.close(resolve));
  };
  const heap = () => {
    globalThis.gc();
    globalThis.gc();
    return process.memoryUsage().heapUsed;
  };
  for (let i = 0; i < 20; i++) await once();
  const start = heap();
  for (let i = 0; i < apps; i++) await once();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const end = heap();
  await new Promise((resolve) => setTimeout(resolve, 6000));
  const idle = heap();
  console.log(JSON.stringify({ mode, start, end, idle }));
  process.exit(0);
}

const apps = Number(option('apps', 1000));
const modes = String(option('modes', 'off,process,sampling')).split(',');
const MB = 1e6;
const rows = [];
for (const mode of modes) {
  const child = spawnSync(process.execPath, ['--expose-gc', new URL(import.meta.url).pathname, ...args], {
    env: { ...process.env, RAMFLOW_INSTANCES_CHILD: mode, APPS: String(apps) },
    encoding: 'utf8',
  });
  const line = child.stdout.trim().split('\n').pop() ?? '';
  if (child.status !== 0 || !line.startsWith('{')) {
    console.error(child.stderr);
    process.exit(1);
  }
  rows.push(JSON.parse(line));
}
const off = rows.find((row) => row.mode === 'off');
console.log(
  `node ${process.version}; ${apps} Express apps per mode, 2 requests each, dropped without close()`,
);
console.log('| mode | heap MB start → after the apps → after 6 s idle | growth MB (idle) | growth − off |');
console.log('|---|---|---|---|');
for (const row of rows) {
  const growth = (row.idle - row.start) / MB;
  const overOff = off ? growth - (off.idle - off.start) / MB : Number.NaN;
  console.log(
    `| ${row.mode} | ${(row.start / MB).toFixed(1)} → ${(row.end / MB).toFixed(1)} → ${(row.idle / MB).toFixed(1)} | ${growth >= 0 ? '+' : ''}${growth.toFixed(1)} | ${row.mode === 'off' ? '—' : `${overOff >= 0 ? '+' : ''}${overOff.toFixed(1)} ${overOff <= 5 ? 'PASS' : 'FAIL'}`} |`,
  );
}
