/**
 * A route that keeps nothing shows (close to) nothing new in its heap snapshot diff, and none of it is ramflow's
 * (issue 15 item 4: ramflow's records, profiler windows, waiters, timers and observers used to be listed as the
 * request's: 412 objects, 48 KB). The app runs in a child process, so the test runner's own bookkeeping is not in
 * its heap; the test reads the records over HTTP, as a user's browser would.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import type { RequestRecord } from '@ramflow/core';
import { rawRequest } from '@ramflow/core/testing';

const APP = `
import express from 'express';
import { ramflow } from '@ramflow/express';
const app = express();
app.use(ramflow({ memoryBackend: 'process' }));
app.get('/nothing', (_req, res) => { res.json({ kept: 0 }); });
const kept = [];
class KeptEntry { constructor(i) { this.i = i; } }
app.get('/keep', (_req, res) => { for (let i = 0; i < 1000; i++) kept.push(new KeptEntry(i)); res.json({ kept: kept.length }); });
const server = app.listen(0, '127.0.0.1', () => console.log('port ' + server.address().port));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

/** ramflow's classes, as the issue saw them in diffs. */
const RAMFLOW_CLASSES = [
  'SamplingProfiler',
  'HeapSnapshotService',
  'SnapshotWindow',
  'ProfileTreeBuilder',
  'GcLedger',
  'RequestSession',
  'CounterWindow',
  'ProcessInsights',
];

describe('heap snapshot of a route that keeps nothing', () => {
  let child: ChildProcess | undefined;
  after(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });

  it("lists at most a few KB of new objects, none of them ramflow's; a kept class still shows", async () => {
    // A V8 flag and an entry-only flag on the command line: the snapshot worker must start with neither.
    const flags = ['--no-allocation-site-pretenuring', '--import', 'tsx', '--input-type=module', '-e', APP];
    child = spawn(process.execPath, flags, {
      cwd: new URL('..', import.meta.url).pathname,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NODE_ENV: 'development' },
    });
    const port = await new Promise<number>((resolve, reject) => {
      child?.stdout?.on('data', (data: Buffer) => {
        const match = /port (\d+)/.exec(String(data));
        if (match) resolve(Number(match[1]));
      });
      child?.once('exit', (code) => reject(new Error(`the app exited with ${code}`)));
    });
    const base = `http://127.0.0.1:${port}`;
    const snapshotOf = async (path: string): Promise<NonNullable<RequestRecord['heap']>> => {
      const response = await rawRequest(base, `${path}?ramflow=snapshot`);
      assert.equal(response.status, 200);
      const id = String(response.headers['x-ramflow-id']);
      // The record is stored once the worker has analysed the after snapshot.
      for (;;) {
        const answer = await fetch(`${base}/__ramflow/api/requests/${id}`);
        if (answer.ok) {
          const record = (await answer.json()) as RequestRecord;
          assert.ok(record.heap, record.heapUnavailable);
          return record.heap;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };

    // Warm-up: code that runs for the first time (the route, ramflow's snapshot path) leaves code and caches.
    for (let i = 0; i < 20; i++) await rawRequest(base, '/nothing');
    for (let i = 0; i < 3; i++) await snapshotOf('/nothing');
    const sizes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const heap = await snapshotOf('/nothing');
      const names = heap.newObjects.map((group) => group.constructorName);
      for (const name of RAMFLOW_CLASSES) assert.ok(!names.includes(name), `${name} in ${names.join(', ')}`);
      for (const group of heap.newObjects)
        for (const path of group.paths)
          assert.ok(
            path.steps.every((step) => !RAMFLOW_CLASSES.includes(step.name)),
            `a path through ramflow: ${path.steps.map((step) => `${step.name}.${step.edge}`).join(' → ')}`,
          );
      assert.ok(heap.ownObjects && heap.ownObjects.count > 0, 'ramflow says what it left out');
      sizes.push(heap.totals.selfBytes);
    }
    sizes.sort((a, b) => a - b);
    assert.ok((sizes[1] as number) <= 5 * 1024, `median new bytes ${sizes[1]} (all: ${sizes.join(', ')})`);

    const kept = await snapshotOf('/keep');
    const group = kept.newObjects.find((candidate) => candidate.constructorName === 'KeptEntry');
    assert.equal(group?.count, 1000);
    assert.ok(group.paths.some((path) => path.steps.some((step) => step.edge === 'kept')));
  });
});
