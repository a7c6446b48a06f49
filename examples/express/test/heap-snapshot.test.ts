/**
 * The heap-snapshot backend through real Express over HTTP: snapshots before and after a request, diffed in a
 * worker thread into the objects the request left alive, by class, with retainer paths. Each snapshot pauses this
 * process (~150 ms per MB of heap), so the scenarios are few and small.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import type { HeapObjectGroup, RequestRecord } from '@ramflow/core';
import { rawRequest, serveOnLoopback } from '@ramflow/core/testing';
import { type RamflowOptions, ramflow } from '@ramflow/express';
import express from 'express';
import { buildApp } from '../src/app.js';

class LeakyWidget {
  constructor(
    readonly index: number,
    readonly label: string,
  ) {}
}
/** Module-level on purpose: what /widgets creates stays alive. */
const widgets: LeakyWidget[] = [];

class BlobCache {
  readonly chunks: Buffer[] = [];
}
const blobCache = new BlobCache();
const MIB = 1024 * 1024;

/** /held answers when the test says so: `started` resolves once its handler runs, `release` lets it answer. */
function newHold() {
  let started: () => void = () => {};
  let release: () => void = () => {};
  return {
    started: new Promise<void>((resolve) => {
      started = resolve;
    }),
    released: new Promise<void>((resolve) => {
      release = resolve;
    }),
    markStarted: () => started(),
    release: () => release(),
  };
}
let hold = newHold();

/** Waits until `condition` holds, checking every few ms (no deadline: the test runner's own timeout applies). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

async function startApp(options: RamflowOptions = {}) {
  const app = express();
  const middleware = ramflow({ memoryBackend: 'process', ...options });
  app.use(middleware);
  app.get('/widgets', (_req, res) => {
    for (let i = 0; i < 5000; i++) widgets.push(new LeakyWidget(i, 'widget'));
    res.json({ widgets: widgets.length });
  });
  app.get('/buffers', (_req, res) => {
    for (let i = 0; i < 8; i++) blobCache.chunks.push(Buffer.alloc(MIB, i));
    res.json({ chunks: blobCache.chunks.length });
  });
  app.get('/fixed', (_req, res) => {
    res.json({ fixed: 'the same body every time', n: 42 });
  });
  app.get('/page', (_req, res) => {
    res.type('html').send('<!doctype html><html><body><h1>page</h1></body></html>');
  });
  app.get('/held', (_req, res) => {
    hold.markStarted();
    void hold.released.then(() => res.json({ ok: true }));
  });
  const server = await serveOnLoopback(app, () => middleware.ramflow.close());
  return { ...server, core: middleware.ramflow };
}

type App = Awaited<ReturnType<typeof startApp>>;

async function recordOf(
  app: { baseUrl: string; core: App['core'] },
  path: string,
  headers: Record<string, string> = {},
): Promise<RequestRecord> {
  const response = await rawRequest(app.baseUrl, path, { headers });
  assert.equal(response.status, 200);
  const id = response.headers['x-ramflow-id'] as string;
  await app.core.flush();
  const record = await app.core.store.get(id);
  assert.ok(record, 'the request was recorded');
  return record;
}

function group(record: RequestRecord, name: string): HeapObjectGroup {
  assert.ok(record.heap, record.heapUnavailable);
  const found = record.heap.newObjects.find((candidate) => candidate.constructorName === name);
  assert.ok(
    found,
    `${name} among ${record.heap.newObjects.map((g) => `${g.constructorName}×${g.count}`).join(', ')}`,
  );
  return found;
}

interface SnapshotFile {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

/** Self sizes of every node of a class in a downloaded snapshot, read with JSON.parse (independent of ramflow). */
function selfSizesOf(file: SnapshotFile, name: string, minId: number): number[] {
  const fields = file.snapshot.meta.node_fields;
  const width = fields.length;
  const [nameAt, idAt, sizeAt] = ['name', 'id', 'self_size'].map((field) => fields.indexOf(field)) as [
    number,
    number,
    number,
  ];
  const sizes: number[] = [];
  for (let i = 0; i < file.nodes.length; i += width) {
    const id = file.nodes[i + idAt] as number;
    if (file.strings[file.nodes[i + nameAt] as number] === name && id > minId && id % 2 === 1)
      sizes.push(file.nodes[i + sizeAt] as number);
  }
  return sizes;
}

function maxOddId(file: SnapshotFile): number {
  const fields = file.snapshot.meta.node_fields;
  const idAt = fields.indexOf('id');
  let max = 0;
  for (let i = idAt; i < file.nodes.length; i += fields.length) {
    const id = file.nodes[i] as number;
    if (id % 2 === 1 && id > max) max = id;
  }
  return max;
}

describe('heap-snapshot backend', () => {
  const apps: Array<{ close(): Promise<void> }> = [];
  after(async () => {
    for (const app of apps) await app.close();
  });

  it('shows 5,000 new instances of a class with their exact size and a retainer path through the array', async () => {
    const app = await startApp({ allowHeapSnapshots: true });
    apps.push(app);
    const record = await recordOf(app, '/widgets?ramflow=snapshot');
    const widgetsGroup = group(record, 'LeakyWidget');
    assert.equal(widgetsGroup.count, 5000);
    assert.equal(record.concurrency.exclusive, true);

    // The same objects, read from the downloaded snapshots with JSON.parse.
    const before = (await (
      await fetch(`${app.baseUrl}/__ramflow/api/requests/${record.id}/before.heapsnapshot`)
    ).json()) as SnapshotFile;
    const afterFile = (await (
      await fetch(`${app.baseUrl}/__ramflow/api/requests/${record.id}/after.heapsnapshot`)
    ).json()) as SnapshotFile;
    const sizes = selfSizesOf(afterFile, 'LeakyWidget', maxOddId(before));
    assert.equal(sizes.length, 5000);
    const instanceSize = sizes[0] as number;
    assert.ok(instanceSize > 0);
    assert.ok(
      sizes.every((size) => size === instanceSize),
      'every instance has the same size',
    );
    assert.equal(widgetsGroup.selfBytes, 5000 * instanceSize);
    assert.ok(widgetsGroup.retainedBytes >= widgetsGroup.selfBytes);

    assert.ok(widgetsGroup.paths.length > 0, 'the top group has retainer paths');
    const path = widgetsGroup.paths[0];
    assert.ok(path);
    assert.equal(path.target.name, 'LeakyWidget');
    const last = path.steps.at(-1);
    assert.ok(last);
    assert.equal(last.name, 'Array', 'held by an array');
    assert.equal(last.edgeType, 'element');
    assert.ok(
      path.steps.some((step) => step.edge === 'widgets'),
      `the path names the module's \`widgets\` variable: ${JSON.stringify(path.steps)}`,
    );
    assert.ok(record.heap);
    assert.ok(record.heap.snapshots.beforeMs > 0 && record.heap.snapshots.afterMs > 0);
    assert.ok(record.heap.snapshots.nodes > 0 && record.heap.snapshots.edges > record.heap.snapshots.nodes);
    assert.equal(record.heap.downloadable, true);

    // The request page shows the class and the path.
    const page = await (await fetch(`${app.baseUrl}/__ramflow/requests/${record.id}`)).text();
    assert.match(page, /Heap objects/);
    assert.match(page, /LeakyWidget/);
    assert.match(page, /widgets/);
    assert.match(page, /before\.heapsnapshot/);
  });

  it('counts retained Buffers as native memory attributed to their owner', async () => {
    const app = await startApp();
    apps.push(app);
    const record = await recordOf(app, '/buffers', { 'x-ramflow-backend': 'heap-snapshot' });
    assert.ok(record.heap, record.heapUnavailable);
    const native = record.heap.totals.nativeBytes;
    assert.ok(Math.abs(native - 8 * MIB) <= 0.05 * 8 * MIB, `native ${native} ≈ 8 MiB`);
    const holder = [...record.heap.newObjects].sort((a, b) => b.nativeBytes - a.nativeBytes)[0];
    assert.ok(holder && holder.nativeBytes >= 0.95 * 8 * MIB, 'one class holds the Buffers');
    assert.ok(holder.retainedBytes >= holder.nativeBytes);
    assert.ok(holder.paths.length > 0);
    assert.ok(
      holder.paths.some((path) => path.steps.some((step) => step.name === 'BlobCache')),
      `a path through the owner: ${JSON.stringify(holder.paths[0])}`,
    );
  });

  it('refuses when memory is short and leaves the response untouched', async () => {
    const app = await startApp({ heapSnapshotMemoryLimit: 1024 * 1024 });
    apps.push(app);
    const plain = await rawRequest(app.baseUrl, '/fixed');
    const asked = await rawRequest(app.baseUrl, '/fixed', {
      headers: { 'x-ramflow-backend': 'heap-snapshot' },
    });
    assert.equal(asked.status, 200);
    assert.deepEqual(asked.body, plain.body);
    assert.equal(asked.headers['content-type'], plain.headers['content-type']);
    await app.core.flush();
    const record = await app.core.store.get(asked.headers['x-ramflow-id'] as string);
    assert.ok(record);
    assert.equal(record.heap, undefined);
    assert.match(
      record.heapUnavailable ?? '',
      /not enough memory for a heap snapshot.*heapSnapshotMemoryLimit/,
    );
    // The toolbar's summary (loaded from the record once the page shows) says so too.
    const page = await rawRequest(app.baseUrl, '/page?ramflow=snapshot', {
      headers: { accept: 'text/html' },
    });
    assert.match(page.body.toString(), /<ramflow-toolbar/);
    await app.core.flush();
    const toolbar = await (
      await fetch(`${app.baseUrl}/__ramflow/api/requests/${page.headers['x-ramflow-id']}/toolbar`)
    ).json();
    assert.match(toolbar.summaryHtml, /Heap snapshot/);
    assert.match(toolbar.summaryHtml, /not taken: not enough memory/);
    // And the JSON API answers why there is nothing to download.
    const diff = await fetch(`${app.baseUrl}/__ramflow/api/requests/${record.id}/heap.json`);
    assert.equal(diff.status, 404);
    assert.match((await diff.json()).message, /not enough memory/);
  });

  it('refuses a snapshot whose pause would pass heapSnapshotMaxPauseMs, and the record says why', async () => {
    const app = await startApp({ heapSnapshotMaxPauseMs: 1 });
    apps.push(app);
    const record = await recordOf(app, '/fixed?ramflow=snapshot');
    assert.equal(record.heap, undefined);
    // The large-object share is named when it is a tenth of the heap or more (it changes the pause model).
    assert.match(
      record.heapUnavailable ?? '',
      /^a heap snapshot would pause this process ~\d[\d.]* m?s \(twice: before and after the request\), above heapSnapshotMaxPauseMs \(1 ms\), for \d[\d.]* MB of used heap(?: \(\d[\d.]* [KM]?B of it in large objects\))?\. To allow it, raise heapSnapshotMaxPauseMs \(e\.g\. \d+\)/,
    );
    // The request ran as usual, and its page says why there are no heap objects.
    assert.equal(record.response.statusCode, 200);
    const page = await (await fetch(`${app.baseUrl}/__ramflow/requests/${record.id}`)).text();
    assert.match(page, /heapSnapshotMaxPauseMs/);
  });

  it('keeps snapshot files only with allowHeapSnapshots, and always exports the diff as JSON', async () => {
    const app = await startApp();
    apps.push(app);
    const record = await recordOf(app, '/fixed?ramflow=snapshot');
    assert.ok(record.heap, record.heapUnavailable);
    assert.equal(record.heap.downloadable, false);
    const refused = await fetch(`${app.baseUrl}/__ramflow/api/requests/${record.id}/after.heapsnapshot`);
    assert.equal(refused.status, 404);
    assert.match((await refused.json()).message, /allowHeapSnapshots: true/);
    const diff = await fetch(`${app.baseUrl}/__ramflow/api/requests/${record.id}/heap.json`);
    assert.equal(diff.status, 200);
    assert.match(diff.headers.get('content-disposition') ?? '', /attachment/);
    const body = await diff.json();
    assert.deepEqual(body.heap, record.heap);
    // A request that asked for nothing has no heap section.
    const plain = await recordOf(app, '/fixed');
    assert.equal(plain.heap, undefined);
    assert.equal(plain.heapUnavailable, undefined);
    // Its page says why there are no heap objects and offers the same request with snapshots.
    const page = await (await fetch(`${app.baseUrl}/__ramflow/requests/${plain.id}`)).text();
    assert.match(page, /No heap objects: no heap snapshot was taken for this request/);
    assert.match(page, /<a href="\/fixed\?ramflow(=|&#x3D;)snapshot" rel="nofollow">/);
  });

  it('runs a snapshot request alone: a request arriving meanwhile waits for its after snapshot', async () => {
    const app = await startApp();
    apps.push(app);
    const gate = (app.core as unknown as { gate: { waiting: number } }).gate;
    hold = newHold();
    const first = rawRequest(app.baseUrl, '/held?ramflow=snapshot');
    // Its handler runs: the before snapshot is taken, and the request is inside the gate until its after one.
    await hold.started;
    const second = rawRequest(app.baseUrl, '/fixed');
    await until(() => gate.waiting === 1);
    hold.release();
    const [a, b] = await Promise.all([first, second]);
    await app.core.flush();
    const snapshotRecord = await app.core.store.get(a.headers['x-ramflow-id'] as string);
    const otherRecord = await app.core.store.get(b.headers['x-ramflow-id'] as string);
    assert.ok(snapshotRecord?.heap, snapshotRecord?.heapUnavailable);
    assert.equal(snapshotRecord.concurrency.exclusive, true);
    assert.ok(otherRecord?.concurrency.isolation, 'the other request went through the gate');
    assert.ok(otherRecord.concurrency.isolation.waitedMs > 0);
    assert.equal(otherRecord.concurrency.isolation.timedOut, false);
    assert.equal(otherRecord.concurrency.exclusive, true);
    assert.equal(otherRecord.heap, undefined);
  });

  it('with memoryBackend "heap-snapshot", every request gets snapshots', async () => {
    const app = await startApp({ memoryBackend: 'heap-snapshot' });
    apps.push(app);
    assert.equal(app.core.backend.name, 'heap-snapshot');
    const record = await recordOf(app, '/fixed');
    assert.equal(record.backend.name, 'heap-snapshot');
    assert.ok(record.heap, record.heapUnavailable);
  });

  it("names retainChunk's array in the demo's /leak", async () => {
    const demo = buildApp({ ramflow: { memoryBackend: 'process' } });
    const core = demo.locals.ramflow as App['core'];
    const server = await serveOnLoopback(demo, () => core.close());
    apps.push(server);
    const record = await recordOf({ baseUrl: server.baseUrl, core }, '/leak?ramflow=snapshot');
    assert.ok(record.heap, record.heapUnavailable);
    const paths = record.heap.newObjects.flatMap((g) => g.paths);
    assert.ok(
      paths.some((path) => path.steps.some((step) => step.edge === 'retained')),
      `a path through scenario.ts's \`retained\` array: ${JSON.stringify(paths.slice(0, 3))}`,
    );
    const retainedBytes = record.heap.newObjects.reduce((sum, g) => sum + g.retainedBytes, 0);
    assert.ok(retainedBytes >= 1_048_576, `the ~1 MB chunk is among the new objects (${retainedBytes})`);
  });
});

describe('heap-snapshot shutdown', () => {
  it('a server that took a snapshot exits on SIGTERM without "Waiting for the debugger to disconnect"', async () => {
    // Like the example servers: SIGTERM closes the HTTP server and exits, without closing ramflow.
    // CommonJS: a worker inherits the parent's execArgv, and `--input-type` fails there without `--eval`.
    const script = `
      const express = require('express');
      const { ramflow } = require('@ramflow/express');
      const app = express();
      app.use(ramflow({ memoryBackend: 'process', logger: { info() {}, warn() {}, error: (m) => console.error(m) } }));
      app.get('/report', (_req, res) => res.json({ rows: Array.from({ length: 1000 }, (_, i) => ({ i })) }));
      const server = app.listen(0, '127.0.0.1', () => console.log('port=' + server.address().port));
      process.on('SIGTERM', () => server.close(() => process.exit(0)));
    `;
    const child = spawn(process.execPath, ['-e', script], {
      cwd: new URL('..', import.meta.url).pathname,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data) => {
      stdout += data;
    });
    child.stderr.on('data', (data) => {
      stderr += data;
    });
    const exited = once(child, 'exit');
    try {
      while (!/port=\d+/.test(stdout)) {
        if (child.exitCode !== null) assert.fail(`the server exited: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const baseUrl = `http://127.0.0.1:${/port=(\d+)/.exec(stdout)?.[1]}`;
      const response = await rawRequest(baseUrl, '/report?ramflow=snapshot');
      assert.equal(response.status, 200);
      // The dashboard answers once the record is complete: both snapshots taken and the diff done.
      const record = await rawRequest(baseUrl, `/__ramflow/api/requests/${response.headers['x-ramflow-id']}`);
      const { heap, heapUnavailable } = JSON.parse(record.body.toString());
      assert.ok(heap, heapUnavailable);
      child.kill('SIGTERM');
      const [code] = await exited;
      assert.equal(code, 0, stderr);
      assert.doesNotMatch(stderr, /Waiting for the debugger to disconnect/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
