/**
 * `isolate: true` on Koa: the middleware waits for `session.ready` before the rest of the app runs, so
 * overlapping requests run one at a time and every record is exclusive.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { RamflowLogger } from '@ramflow/core';
import { rawRequest } from '@ramflow/core/testing';
import Koa from 'koa';
import Koa2 from 'koa2';
import { ramflow } from '../src/index.js';
import { listen } from './conformance-app.js';

const quiet: RamflowLogger = { info() {}, warn() {}, error() {} };

for (const [name, KoaApp] of [
  ['koa@3', Koa],
  ['koa@2', Koa2 as unknown as typeof Koa],
] as const) {
  describe(`@ramflow/koa isolate on ${name}`, () => {
    it('overlapping requests wait for session.ready and run one at a time, each record exclusive', async () => {
      const app = new KoaApp();
      const middleware = ramflow({ isolate: true, memoryBackend: 'process', logger: quiet });
      app.use(middleware);
      let running = 0;
      let maxRunning = 0;
      app.use(async (ctx) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await delay(15);
        running--;
        ctx.type = 'text/plain';
        ctx.body = 'done';
      });
      const server = await listen(app, () => middleware.ramflow.close());
      try {
        const responses = await Promise.all([1, 2, 3].map(() => rawRequest(server.baseUrl, '/work')));
        assert.equal(maxRunning, 1, 'the app never ran two requests at once');
        await middleware.ramflow.flush();
        let waited = 0;
        for (const res of responses) {
          assert.equal(res.status, 200);
          const record = await middleware.ramflow.store.get(String(res.headers['x-ramflow-id']));
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
