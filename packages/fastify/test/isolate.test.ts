/**
 * `isolate: true` on Fastify: the onRequest hook waits for `session.ready` before the request goes on, so
 * overlapping requests run one at a time and every record is exclusive.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { RamflowLogger } from '@ramflow/core';
import { rawRequest } from '@ramflow/core/testing';
import fastify5 from 'fastify';
import fastify4 from 'fastify4';
import { ramflowToolbar } from '../src/index.js';
import { type FastifyFactory, listen } from './conformance-app.js';

const quiet: RamflowLogger = { info() {}, warn() {}, error() {} };

for (const [name, factory] of [
  ['fastify@5', fastify5],
  ['fastify@4', fastify4],
] as [string, FastifyFactory][]) {
  describe(`@ramflow/fastify isolate on ${name}`, () => {
    it('overlapping requests wait for session.ready and run one at a time, each record exclusive', async () => {
      const app = factory();
      await app.register(ramflowToolbar, { isolate: true, memoryBackend: 'process', logger: quiet });
      let running = 0;
      let maxRunning = 0;
      app.get('/work', async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await delay(15);
        running--;
        return 'done';
      });
      const server = await listen(app);
      try {
        const responses = await Promise.all([1, 2, 3].map(() => rawRequest(server.baseUrl, '/work')));
        assert.equal(maxRunning, 1, 'the app never ran two requests at once');
        await app.ramflow.flush();
        let waited = 0;
        for (const res of responses) {
          assert.equal(res.status, 200);
          const record = await app.ramflow.store.get(String(res.headers['x-ramflow-id']));
          assert.ok(record);
          assert.equal(record.concurrency.exclusive, true);
          assert.equal(record.concurrency.overlapping, 0);
          assert.equal(record.concurrency.isolation?.timedOut, false);
          if ((record.concurrency.isolation?.waitedMs ?? 0) > 0) waited++;
        }
        assert.equal(waited, 2, 'all but the first waited');
      } finally {
        await server.close();
      }
    });
  });
}
