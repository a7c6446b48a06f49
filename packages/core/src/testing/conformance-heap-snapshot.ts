import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { AdapterConformanceSuiteOptions } from './conformance.js';
import { quiet } from './conformance-shared.js';
import { fixtures } from './fixtures.js';
import { rawRequest } from './http.js';

/**
 * `?ramflow=snapshot` through the adapter: it waits for the before snapshot (`session.ready`) before the route
 * runs, and the record lists the objects the route left alive (`fixtures.probes`), with a path to them.
 */
export function defineHeapSnapshotTests(createServer: AdapterConformanceSuiteOptions['createServer']): void {
  it('records the new live objects of a route asked for with ?ramflow=snapshot', async () => {
    const { path, className, count } = fixtures.probes;
    const server = await createServer({ ramflow: { memoryBackend: 'process', logger: quiet } });
    try {
      const { ramflow } = server;
      assert.ok(ramflow, 'createServer gives the app’s ramflow instance (ConformanceServer.ramflow)');
      // Warm up: the first request loads code lazily, and those objects would crowd the diff.
      const warmUp = await rawRequest(server.baseUrl, path);
      const response = await rawRequest(server.baseUrl, `${path}?ramflow=snapshot`);
      // The after snapshot is taken once the response is out, while this test runs on in the same thread: whatever
      // it holds on its stack then is on a path from the GC roots. Reading the probes before the snapshot put the
      // array there, as `(Stack roots) → Array`, ahead of the path through the variable (seen under CPU load).
      await ramflow.flush();
      assert.equal(response.status, 200);
      // The route ran once more: the app's array grew by `count` (it is the module's: other apps in this process
      // may have grown it before).
      const before = (JSON.parse(warmUp.body.toString()) as { probes: number }).probes;
      assert.deepEqual(JSON.parse(response.body.toString()), { probes: before + count });
      const record = await ramflow.store.get(String(response.headers['x-ramflow-id']));
      assert.ok(record?.heap, record?.heapUnavailable);
      const group = record.heap.newObjects.find((g) => g.constructorName === className);
      assert.equal(group?.count, count);
      assert.ok(
        group.paths.some((path) => path.steps.some((step) => step.edge === 'probes')),
        JSON.stringify(group.paths[0]),
      );
    } finally {
      await server.close();
    }
  });
}
