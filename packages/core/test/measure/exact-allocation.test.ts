/**
 * "Exact" allocation is exact: a route that allocates the same bytes on every call reads the same figure in
 * every record without a collection in it, whether or not the young generation filled up around it. V8's
 * allocation-buffer parking made the used heap drop without a collection (see GcLedger), and such records read
 * 40-60% of the truth (116 of 200 in a loop on the sampling backend). The tolerance allows for the rest of a page
 * left unused when an object does not fit (up to ~128 KB per page crossed). Windows with a collection inside are
 * exact too since the GC ledger pairs each collection with its own measurement (a mispaired one used to leave
 * windows ~1.3 MB low, or marked lost): a ~21 MB route, with scavenges inside most of its windows, reads within
 * 1% of its collection-free windows (measured: 0.991-1.005 on both backends).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { rawRequest } from '../../src/testing/index.js';
import type { RamflowLogger, RequestRecord } from '../../src/types.js';
import { type Harness, harness } from '../helpers/node-harness.js';

const quiet: RamflowLogger = { info() {}, warn() {}, error() {} };
export let sink: unknown;

/** ~2 MB of small objects (or `count` of them) and the array that holds them: the same bytes on every call. */
function allocateSmallObjects(count = 30_000): void {
  const parts: Array<{ i: number; a: number }> = [];
  for (let i = 0; i < count; i++) parts.push({ i, a: i });
  sink = parts;
}

const open: Harness[] = [];
after(async () => {
  for (const h of open) await h.close();
});

describe('exact allocation', () => {
  for (const memoryBackend of ['sampling', 'process'] as const) {
    it(`${memoryBackend}: every record without a collection in it is within 15% of the route's allocation`, async () => {
      const h = await harness(
        { memoryBackend, adaptiveSampling: false, historySize: 500, logger: quiet },
        async () => {
          allocateSmallObjects();
        },
      );
      open.push(h);
      // The first call compiles the route and warms ramflow up: real allocation, but not the route's steady cost.
      await rawRequest(h.url, '/warm-up');
      const ids: string[] = [];
      for (let i = 0; i < 150; i++)
        ids.push((await rawRequest(h.url, '/objects')).headers['x-ramflow-id'] as string);
      await h.ramflow.flush();
      const records = (await Promise.all(ids.map((id) => h.ramflow.store.get(id)))) as RequestRecord[];
      const exact = records
        .map((record) => record.memory.allocatedBytes)
        .filter((bytes): bytes is number => bytes !== null);
      assert.ok(exact.length >= 140, `${exact.length} of 150 records have an exact figure`);
      const sorted = [...exact].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)] as number;
      assert.ok(median > 1_500_000, `the route allocates ~2 MB (median ${median})`);
      const off = records.flatMap((record, index) => {
        const bytes = record.memory.allocatedBytes;
        if (bytes === null || record.memory.gc.count > 0 || Math.abs(bytes - median) <= median * 0.15)
          return [];
        return [
          `#${index}: ${bytes} (${record.memory.gc.count} GCs; used ${record.memory.heapUsedBeforeBytes} -> ${record.memory.heapUsedAfterBytes})`,
        ];
      });
      assert.deepEqual(off, [], `records off the median ${median} by more than 15%`);
    });
  }

  for (const memoryBackend of ['sampling', 'process'] as const) {
    it(`${memoryBackend}: records with collections inside read the same as those without (within 10%)`, async () => {
      const h = await harness(
        { memoryBackend, adaptiveSampling: false, historySize: 500, logger: quiet },
        async () => {
          allocateSmallObjects(300_000); // ~21 MB: the young generation fills inside most windows
        },
      );
      open.push(h);
      await rawRequest(h.url, '/warm-up');
      const ids: string[] = [];
      for (let i = 0; i < 60; i++)
        ids.push((await rawRequest(h.url, '/objects')).headers['x-ramflow-id'] as string);
      await h.ramflow.flush();
      const records = (await Promise.all(ids.map((id) => h.ramflow.store.get(id)))) as RequestRecord[];
      const figures = records.map((record) => record.memory.allocatedBytes);
      assert.ok(
        figures.every((bytes) => bytes !== null),
        'every window with a collection has its bytes',
      );
      const withGc = records.filter((record) => record.memory.gc.count > 0);
      const without = records
        .filter((record) => record.memory.gc.count === 0)
        .map((record) => record.memory.allocatedBytes as number)
        .sort((a, b) => a - b);
      assert.ok(withGc.length >= 10, `${withGc.length} of 60 windows had a collection inside`);
      assert.ok(without.length >= 5, `${without.length} of 60 windows had none`);
      const median = without[Math.floor(without.length / 2)] as number;
      assert.ok(median > 15_000_000, `the route allocates ~21 MB (median ${median})`);
      const off = withGc.flatMap((record) => {
        const bytes = record.memory.allocatedBytes as number;
        return Math.abs(bytes - median) <= median * 0.1
          ? []
          : [`${bytes} (${record.memory.gc.count} GCs, ${Object.keys(record.memory.gc.byKind).join(',')})`];
      });
      assert.deepEqual(off, [], `windows with a collection off the collection-free median ${median} by >10%`);
    });
  }
});
