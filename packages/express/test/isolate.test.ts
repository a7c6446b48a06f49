/**
 * `isolate: true` on a real Express app over HTTP: overlapping requests wait for each other, so each record's
 * figures are its own; without it the same requests are recorded as shared, with the right counts.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { RamflowLogger, RamflowOptions, RequestRecord } from '@ramflow/core';
import { type ConformanceServer, rawRequest, serveOnLoopback } from '@ramflow/core/testing';
import express from 'express';
import { type RamflowMiddleware, ramflow } from '../src/index.js';

const quiet: RamflowLogger = { info() {}, warn() {}, error() {} };
const HANDLER_MS = 25;
const N = 4;

interface App extends ConformanceServer {
  middleware: RamflowMiddleware;
  /** Most route handlers seen running at the same time. */
  readonly maxRunning: () => number;
}

/**
 * `/work` takes HANDLER_MS; `/barrier` waits until N requests are inside the handler, so they all overlap
 * (only usable without `isolate`).
 */
async function serve(options: RamflowOptions): Promise<App> {
  const app = express();
  const middleware = ramflow({ logger: quiet, memoryBackend: 'process', ...options });
  app.use(middleware);
  let running = 0;
  let maxRunning = 0;
  let arrived = 0;
  let releaseBarrier: () => void = () => {};
  const barrier = new Promise<void>((resolve) => {
    releaseBarrier = resolve;
  });
  const track = async (work: () => Promise<void>) => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    try {
      await work();
    } finally {
      running--;
    }
  };
  app.get('/work', async (_req, res) => {
    await track(() => delay(HANDLER_MS));
    res.type('text/plain').send('done');
  });
  app.get('/barrier', async (_req, res) => {
    await track(async () => {
      if (++arrived === N) releaseBarrier();
      await barrier;
    });
    res.type('text/plain').send('done');
  });
  const server = await serveOnLoopback(app, () => middleware.ramflow.close());
  return { ...server, middleware, maxRunning: () => maxRunning };
}

const open: App[] = [];
after(async () => {
  for (const app of open) await app.close();
});
async function start(options: RamflowOptions): Promise<App> {
  const app = await serve(options);
  open.push(app);
  return app;
}

/** Fires N requests at once and returns their records, in the order the requests were sent. */
async function overlapping(app: App, path: string): Promise<RequestRecord[]> {
  const responses = await Promise.all(Array.from({ length: N }, () => rawRequest(app.baseUrl, path)));
  await app.middleware.ramflow.flush();
  const records: RequestRecord[] = [];
  for (const res of responses) {
    assert.equal(res.status, 200);
    const record = await app.middleware.ramflow.store.get(String(res.headers['x-ramflow-id']));
    assert.ok(record, 'every request has a record');
    records.push(record);
  }
  return records;
}

/** When a record's measurement window began, in ms since the epoch (ms resolution: startedAt is an ISO date). */
function windowStart(record: RequestRecord): number {
  return Date.parse(record.startedAt) + (record.concurrency.isolation?.waitedMs ?? 0);
}

describe('@ramflow/express isolate', () => {
  it('overlapping requests run one at a time, each record exclusive', async () => {
    const app = await start({ isolate: true });
    const records = await overlapping(app, '/work');
    for (const record of records) {
      assert.equal(record.concurrency.exclusive, true);
      assert.equal(record.concurrency.overlapping, 0);
      assert.equal(record.concurrency.isolation?.timedOut, false);
      assert.deepEqual(record.failures, []);
      assert.ok(record.durationMs >= HANDLER_MS - 1, `a window covers its handler (${record.durationMs} ms)`);
    }
    assert.equal(
      records.filter((record) => (record.concurrency.isolation?.waitedMs ?? 0) > 0).length,
      N - 1,
      'all but the first waited',
    );
    // From the records alone: each window starts after the previous one ended (1 ms for startedAt's resolution).
    const windows = records
      .map((record) => ({ start: windowStart(record), end: windowStart(record) + record.durationMs }))
      .sort((a, b) => a.start - b.start);
    for (let i = 1; i < windows.length; i++) {
      const previous = windows[i - 1] as { end: number };
      const current = windows[i] as { start: number };
      assert.ok(
        current.start >= previous.end - 1,
        `window ${i} starts at ${current.start}, before window ${i - 1} ended at ${previous.end}`,
      );
    }
    assert.equal(app.maxRunning(), 1, 'the handlers themselves never overlapped');
    assert.equal(app.middleware.ramflow.options.isolate, true);
  });

  it('without isolate the same overlapping requests are shared, each with the others in flight counted', async () => {
    const app = await start({});
    const records = await overlapping(app, '/barrier');
    assert.equal(app.maxRunning(), N, 'the handlers ran together');
    for (const record of records) {
      assert.deepEqual(record.concurrency, { exclusive: false, overlapping: N - 1 });
    }
  });
});
