/**
 * `?ramflow=snapshot` on Koa: the middleware waits for the before snapshot (`session.ready`), and the record
 * lists the objects the route left alive.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RamflowLogger } from '@ramflow/core';
import { rawRequest } from '@ramflow/core/testing';
import Koa from 'koa';
import { ramflow } from '../src/index.js';
import { listen } from './conformance-app.js';

const quiet: RamflowLogger = { info() {}, warn() {}, error() {} };
class KoaSnapshotProbe {
  constructor(readonly index: number) {}
}
const probes: KoaSnapshotProbe[] = [];

describe('@ramflow/koa heap snapshots', () => {
  it('records the new live objects of a route asked for with ?ramflow=snapshot', async () => {
    const app = new Koa();
    const middleware = ramflow({ memoryBackend: 'process', logger: quiet });
    app.use(middleware);
    app.use((ctx) => {
      for (let i = 0; i < 5000; i++) probes.push(new KoaSnapshotProbe(i));
      ctx.body = { probes: probes.length };
    });
    const server = await listen(app, () => middleware.ramflow.close());
    try {
      // Warm up: the first request loads code lazily, and those objects would crowd the diff.
      await rawRequest(server.baseUrl, '/probes');
      const response = await rawRequest(server.baseUrl, '/probes?ramflow=snapshot');
      // Not a read of `probes` before the after snapshot is taken (flush waits for it): this test runs in the
      // snapshotted thread, and the array on its stack would be a `(Stack roots) → Array` path.
      await middleware.ramflow.flush();
      assert.equal(response.status, 200);
      assert.deepEqual(JSON.parse(response.body.toString()), { probes: probes.length });
      const record = await middleware.ramflow.store.get(String(response.headers['x-ramflow-id']));
      assert.ok(record?.heap, record?.heapUnavailable);
      const group = record.heap.newObjects.find((g) => g.constructorName === 'KoaSnapshotProbe');
      assert.equal(group?.count, 5000);
      assert.ok(
        group.paths.some((path) => path.steps.some((step) => step.edge === 'probes')),
        JSON.stringify(group.paths[0]),
      );
    } finally {
      await server.close();
    }
  });
});
