import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { Ramflow, RamflowOptions, RequestRecord } from '../types.js';
import type { AdapterConformanceSuiteOptions, ConformanceServer } from './conformance.js';
import { quiet } from './conformance-shared.js';
import { rawRequest } from './http.js';

const HANDLER_MS = 25;
const N = 4;

interface App extends ConformanceServer {
  ramflow: Ramflow;
  /** Most route handlers seen running at the same time. */
  readonly maxRunning: () => number;
}

/** When a record's measurement window began, in ms since the epoch (ms resolution: startedAt is an ISO date). */
function windowStart(record: RequestRecord): number {
  return Date.parse(record.startedAt) + (record.concurrency.isolation?.waitedMs ?? 0);
}

/**
 * `isolate: true` through the adapter over HTTP: it waits for `session.ready` before the route runs, so
 * overlapping requests run one at a time and each record's figures are its own; without it the same requests are
 * recorded as shared, with the right counts.
 */
export function defineIsolateTests(createServer: AdapterConformanceSuiteOptions['createServer']): void {
  const open: App[] = [];
  after(async () => {
    for (const app of open) await app.close();
  });

  /**
   * `/work` takes HANDLER_MS; `/barrier` waits until N requests are inside the handler, so they all overlap
   * (only usable without `isolate`).
   */
  async function start(options: RamflowOptions): Promise<App> {
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
    const server = await createServer({
      ramflow: { logger: quiet, memoryBackend: 'process', ...options },
      routes: [
        {
          path: '/work',
          contentType: 'text/plain; charset=utf-8',
          handle: async () => {
            await track(() => delay(HANDLER_MS));
            return 'done';
          },
        },
        {
          path: '/barrier',
          contentType: 'text/plain; charset=utf-8',
          handle: async () => {
            await track(async () => {
              if (++arrived === N) releaseBarrier();
              await barrier;
            });
            return 'done';
          },
        },
      ],
    });
    const { ramflow } = server;
    if (ramflow === undefined) await server.close();
    assert.ok(ramflow, 'createServer gives the app’s ramflow instance (ConformanceServer.ramflow)');
    const app = { ...server, ramflow, maxRunning: () => maxRunning };
    open.push(app);
    return app;
  }

  /** Fires N requests at once and returns their records, in the order the requests were sent. */
  async function overlapping(app: App, path: string): Promise<RequestRecord[]> {
    const responses = await Promise.all(Array.from({ length: N }, () => rawRequest(app.baseUrl, path)));
    await app.ramflow.flush();
    const records: RequestRecord[] = [];
    for (const res of responses) {
      assert.equal(res.status, 200);
      const record = await app.ramflow.store.get(String(res.headers['x-ramflow-id']));
      assert.ok(record, 'every request has a record');
      records.push(record);
    }
    return records;
  }

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
    assert.equal(app.ramflow.options.isolate, true);
  });

  it('without isolate the same overlapping requests are shared, each with the others in flight counted', async () => {
    const app = await start({});
    const records = await overlapping(app, '/barrier');
    assert.equal(app.maxRunning(), N, 'the handlers ran together');
    for (const record of records) {
      assert.deepEqual(record.concurrency, { exclusive: false, overlapping: N - 1 });
    }
  });
}
