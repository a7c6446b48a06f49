/**
 * `?ramflow=snapshot` on Fastify: the onRequest hook waits for the before snapshot (`session.ready`), and the
 * record lists the objects the route left alive.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RamflowLogger } from '@ramflow/core';
import { rawRequest } from '@ramflow/core/testing';
import fastify5 from 'fastify';
import { ramflowToolbar } from '../src/index.js';
import { listen } from './conformance-app.js';

const quiet: RamflowLogger = { info() {}, warn() {}, error() {} };
class FastifySnapshotProbe {
  constructor(readonly index: number) {}
}
const probes: FastifySnapshotProbe[] = [];

describe('@ramflow/fastify heap snapshots', () => {
  it('records the new live objects of a route asked for with ?ramflow=snapshot', async () => {
    const app = fastify5();
    await app.register(ramflowToolbar, { memoryBackend: 'process', logger: quiet });
    app.get('/probes', async () => {
      for (let i = 0; i < 5000; i++) probes.push(new FastifySnapshotProbe(i));
      return { probes: probes.length };
    });
    const server = await listen(app);
    try {
      // Warm up: the first request loads code lazily, and those objects would crowd the diff.
      await rawRequest(server.baseUrl, '/probes');
      const response = await rawRequest(server.baseUrl, '/probes?ramflow=snapshot');
      // The after snapshot is taken once the response is out, while this test runs on in the same thread: whatever
      // it holds on its stack then is on a path from the GC roots. Reading `probes` before the snapshot put the
      // array there, as `(Stack roots) → Array`, ahead of the path through the variable (seen under CPU load).
      await app.ramflow.flush();
      assert.equal(response.status, 200);
      assert.deepEqual(JSON.parse(response.body.toString()), { probes: probes.length });
      const record = await app.ramflow.store.get(String(response.headers['x-ramflow-id']));
      assert.ok(record?.heap, record?.heapUnavailable);
      const group = record.heap.newObjects.find((g) => g.constructorName === 'FastifySnapshotProbe');
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
