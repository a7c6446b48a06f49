// The sampling backend's load governor (adaptive sampling), on a real Express app under real HTTP load. Its own
// file: the sampling profiler is one per process, and the load here would coarsen it for other tests.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { AllocationProfile, RequestRecord } from '@ramflow/core';
import { serveOnLoopback } from '@ramflow/core/testing';
import { ramflow } from '@ramflow/express';
import express from 'express';

export let sink: unknown[] = [];
/** About 2 MB of arrays and a few ms of work: a route that keeps the app busy under load. */
function buildBusyReport(): number {
  const rows: number[][] = [];
  for (let i = 0; i < 8; i++) rows.push(new Array<number>(32_768).fill(i));
  sink = rows;
  return rows.length;
}

/** The function with the most self bytes in a profile. */
function topSelfAllocator(profile: AllocationProfile): string | undefined {
  const bytes = new Map<string, number>();
  const visit = (node: AllocationProfile['root']): void => {
    const name = profile.frames[node.frame]?.name ?? '?';
    bytes.set(name, (bytes.get(name) ?? 0) + node.selfBytes);
    for (const child of node.children) visit(child);
  };
  visit(profile.root);
  return [...bytes].sort((a, b) => b[1] - a[1])[0]?.[0];
}

interface BackendStats {
  samplingInterval: number;
  currentInterval: number;
  underLoad: boolean;
}

describe('adaptive sampling under sustained load', () => {
  const closers: Array<() => Promise<void>> = [];
  after(async () => {
    for (const close of closers) await close();
  });

  it('coarsens the interval, profiles about one request per second, says so in every record, and recovers', async () => {
    const app = express();
    const middleware = ramflow({ memoryBackend: 'sampling', historySize: 5_000 });
    app.use(middleware);
    app.get('/busy', (_req, res) => {
      res.json({ rows: buildBusyReport() });
    });
    const server = await serveOnLoopback(app, () => middleware.ramflow.close());
    closers.push(server.close);
    const core = middleware.ramflow;
    const stats = () => core.backend.stats?.() as unknown as BackendStats;
    assert.equal(stats().currentInterval, 32 * 1024);

    // Eight clients in a loop until the governor engages (bounded by a request count, not by time).
    const ids: string[] = [];
    let engagedAfter = -1;
    const client = async () => {
      for (let i = 0; i < 2_000 && engagedAfter < 0; i++) {
        const response = await fetch(`${server.baseUrl}/busy`);
        await response.arrayBuffer();
        ids.push(response.headers.get('x-ramflow-id') as string);
        if (stats().underLoad && engagedAfter < 0) engagedAfter = ids.length;
      }
    };
    await Promise.all(Array.from({ length: 8 }, client));
    assert.ok(engagedAfter > 0, 'the governor engaged under sustained load');
    assert.equal(stats().currentInterval, 1024 * 1024, 'sampling is 32x coarser (at least 1 MiB)');

    // Keep the load on for a while longer: most requests are skipped, with the reason.
    const underLoad: string[] = [];
    const more = async () => {
      for (let i = 0; i < 150; i++) {
        const response = await fetch(`${server.baseUrl}/busy`);
        await response.arrayBuffer();
        underLoad.push(response.headers.get('x-ramflow-id') as string);
      }
    };
    await Promise.all(Array.from({ length: 8 }, more));
    await core.flush();
    const records = (await Promise.all(underLoad.map((id) => core.store.get(id)))) as RequestRecord[];
    assert.ok(records.every(Boolean), 'every request under load was recorded');
    const skipped = records.filter((r) =>
      /not profiled: under sustained load .*at most one request per second/.test(
        r.allocationsUnavailable ?? '',
      ),
    );
    const profiled = records.filter((r) => r.allocations !== undefined);
    // 1,200 requests take well over a second (each allocates 2 MB), so at least one was profiled.
    assert.ok(profiled.length >= 1, 'a request was profiled under load');
    assert.ok(skipped.length > profiled.length, `most are skipped (${skipped.length} vs ${profiled.length})`);
    assert.equal(
      skipped.length + profiled.length,
      records.length,
      'each record is either profiled or says why not',
    );
    for (const record of profiled) {
      assert.ok(
        record.allocations?.notes.some((note) => /sampled every ~1 MB instead of ~33 KB/.test(note)),
        'a profiled record under load says it was sampled coarsely',
      );
    }
    // Every figure still says what it is: the heap delta of a skipped request is there.
    for (const record of skipped) assert.equal(typeof record.memory.heapDeltaBytes, 'number');

    // Load gone: once a governor tick has seen no load, reading the data returns to the configured interval and
    // the next request is profiled at full precision.
    await new Promise((resolve) => setTimeout(resolve, 600));
    await core.flush();
    assert.equal(stats().currentInterval, 32 * 1024);
    const response = await fetch(`${server.baseUrl}/busy`);
    await response.arrayBuffer();
    await core.flush();
    const quiet = await core.store.get(response.headers.get('x-ramflow-id') as string);
    assert.ok(quiet?.allocations, 'profiled once the load is gone');
    assert.ok(!quiet.allocations.notes.some((note) => /sustained load/.test(note)));
    assert.equal(topSelfAllocator(quiet.allocations), 'buildBusyReport');
  });
});
