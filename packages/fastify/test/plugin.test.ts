import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { RamflowOptions, RequestRecord } from '@ramflow/core';
import { fixtures, parseServerTiming, stripToolbar } from '@ramflow/core/testing';
import fastify5 from 'fastify';
import fastify4 from 'fastify4';
import ramflowDefault, { ramflowToolbar } from '../src/index.js';
import { type FastifyFactory, installFixtureRoutes } from './conformance-app.js';

const BROWSER = { accept: 'text/html' };

async function appWith(factory: FastifyFactory, options: RamflowOptions = {}) {
  const app = factory();
  await app.register(ramflowToolbar, options);
  installFixtureRoutes(app);
  return app;
}

for (const [name, factory] of [
  ['fastify@5', fastify5],
  ['fastify@4', fastify4],
] as const) {
  describe(`@ramflow/fastify on ${name}`, () => {
    it('is a named, non-encapsulated plugin, also the default export', async () => {
      assert.equal(ramflowDefault, ramflowToolbar);
      const app = await appWith(factory);
      try {
        assert.ok(app.hasPlugin('@ramflow/fastify'));
        assert.equal(typeof app.ramflow.start, 'function');
      } finally {
        await app.close();
      }
    });

    it('sets request.ramflow on profiled requests only', async () => {
      const app = await appWith(factory);
      app.get('/whoami', async (request) => ({ id: request.ramflow?.id ?? null }));
      app.get('/static/app.css', async (request) => ({ id: request.ramflow?.id ?? null }));
      try {
        const profiled = await app.inject({ url: '/whoami' });
        assert.equal(profiled.json().id, profiled.headers['x-ramflow-id']);
        assert.match(profiled.json().id, /^[0-9a-f]{8}-/);
        const ignored = await app.inject({ url: '/static/app.css' });
        assert.equal(ignored.json().id, null, 'static assets are not profiled by default');
        assert.equal(ignored.headers['x-ramflow-id'], undefined);
      } finally {
        await app.close();
      }
    });

    it("keeps a Server-Timing header set by the app and appends ramflow's metrics", async () => {
      const app = await appWith(factory);
      app.get('/timed', (_request, reply) => {
        reply.header('Server-Timing', 'db;dur=12.5;desc="query"').send('ok');
      });
      try {
        const res = await app.inject({ url: '/timed' });
        const header = res.headers['server-timing'] as string;
        assert.ok(header.startsWith('db;dur=12.5;desc="query", '), header);
        const names = parseServerTiming(header).map((metric) => metric.name);
        assert.deepEqual(names.slice(0, 2), ['db', 'ramflow']);
      } finally {
        await app.close();
      }
    });

    it('throws at register time, naming the option, for invalid options', async () => {
      for (const [options, pattern] of [
        [{ histroySize: 5 }, /unknown option `histroySize`.*historySize/],
        [{ basePath: 'ramflow/' }, /`basePath`/],
        [{ historySize: -1 }, /`historySize`/],
      ] as const) {
        const app = factory();
        await assert.rejects(
          async () => {
            await app.register(ramflowToolbar, options as unknown as RamflowOptions);
          },
          (error: Error & { code?: string }) => {
            assert.match(error.message, pattern);
            assert.equal(error.code, 'RAMFLOW_INVALID_OPTION');
            return true;
          },
        );
        await app.close().catch(() => undefined);
      }
    });

    it('never breaks the response when a user callback inside ramflow throws', async () => {
      const app = await appWith(factory, {
        cspNonce: () => {
          throw new Error('nonce source down');
        },
        logger: { info() {}, warn() {}, error() {} },
      });
      try {
        const res = await app.inject({ url: fixtures.page.path, headers: BROWSER });
        assert.equal(res.statusCode, 200);
        assert.match(res.body, /<ramflow-toolbar /);
        assert.doesNotMatch(res.body, /nonce=/);
        assert.equal(stripToolbar(res.body), fixtures.page.body);
        assert.equal(Number(res.headers['content-length']), res.rawPayload.length);
      } finally {
        await app.close();
      }

      const refusing = await appWith(factory, {
        enabled: () => {
          throw new Error('flag service down');
        },
        logger: { info() {}, warn() {}, error() {} },
      });
      try {
        const res = await refusing.inject({ url: fixtures.page.path, headers: BROWSER });
        assert.equal(res.statusCode, 200);
        assert.equal(res.body, fixtures.page.body);
        assert.equal(res.headers['x-ramflow-id'], undefined);
      } finally {
        await refusing.close();
      }
    });

    it("logs through Fastify's logger unless a logger is given", async () => {
      const lines: string[] = [];
      const app = factory({
        logger: { level: 'info', stream: { write: (line: string) => lines.push(line) } },
      });
      await app.register(ramflowToolbar);
      await app.ready();
      try {
        const messages = lines.map((line) => JSON.parse(line).msg as string);
        assert.ok(
          messages.some((message) => /dashboard at \/__ramflow/.test(message)),
          JSON.stringify(messages),
        );
      } finally {
        await app.close();
      }
    });

    it('serves HEAD under basePath, and a custom basePath', async () => {
      const app = await appWith(factory, { basePath: '/_debug/ram' });
      try {
        const head = await app.inject({ method: 'HEAD', url: '/_debug/ram/api/requests' });
        assert.equal(head.statusCode, 200);
        assert.equal(head.body, '');
        const res = await app.inject({ url: fixtures.text.path });
        assert.match(String(res.headers['x-ramflow-link']), /\/_debug\/ram\/requests\//);
        const record = await app.inject({ url: `/_debug/ram/api/requests/${res.headers['x-ramflow-id']}` });
        assert.equal(record.statusCode, 200);
        assert.equal(record.json().request.path, fixtures.text.path);
        assert.equal((await app.inject({ url: '/__ramflow' })).statusCode, 404);
      } finally {
        await app.close();
      }
    });

    it('records the app error of a throwing handler', async () => {
      const app = await appWith(factory);
      try {
        const res = await app.inject({ url: fixtures.throws.path });
        assert.equal(res.statusCode, 500);
        const record = await app.inject({ url: `/__ramflow/api/requests/${res.headers['x-ramflow-id']}` });
        assert.deepEqual(record.json().appError, { name: 'Error', message: fixtures.throws.message });
        assert.equal(record.json().response.aborted, false);
      } finally {
        await app.close();
      }
    });

    it('finishes a request the client aborted exactly once, marked aborted', async () => {
      const app = await appWith(factory);
      let entered!: () => void;
      let answered!: () => void;
      const handlerEntered = new Promise<void>((resolve) => (entered = resolve));
      const handlerAnswered = new Promise<void>((resolve) => (answered = resolve));
      app.get('/slow', async () => {
        entered();
        await delay(50);
        answered();
        return 'too late';
      });
      const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
      try {
        const req = httpRequest(new URL('/slow', baseUrl), { agent: false });
        req.on('error', () => undefined);
        req.end();
        await handlerEntered;
        req.destroy();
        await handlerAnswered;
        await delay(20); // Fastify has tried to answer into the closed socket by now
        await app.ramflow.flush();
        const summaries = (await app.ramflow.store.list()).filter((summary) => summary.url === '/slow');
        assert.equal(summaries.length, 1);
        const record = (await app.ramflow.store.get(summaries[0]?.id as string)) as RequestRecord;
        assert.equal(record.response.aborted, true);
      } finally {
        await app.close();
      }
    });

    it('closes ramflow with the app', async () => {
      const app = await appWith(factory);
      await app.close();
      assert.equal(
        app.ramflow.start({ method: 'GET', url: '/', headers: {}, remoteAddress: '127.0.0.1' }),
        undefined,
      );
    });
  });
}

describe('CommonJS build', () => {
  it('require("@ramflow/fastify") registers as a plugin and injects the toolbar', async () => {
    const require = createRequire(import.meta.url);
    const cjs = require('@ramflow/fastify') as typeof import('../src/index.js');
    assert.equal(cjs.default, cjs.ramflowToolbar);
    const app = fastify5();
    // The usual CommonJS idiom registers the module object itself (Fastify unwraps `default`).
    await app.register(cjs as unknown as typeof ramflowToolbar);
    installFixtureRoutes(app);
    try {
      const page = await app.inject({ url: fixtures.page.path, headers: BROWSER });
      assert.match(page.body, /<ramflow-toolbar /);
      const css = await app.inject({ url: '/__ramflow/assets/toolbar.css' });
      assert.equal(css.statusCode, 200);
    } finally {
      await app.close();
    }
  });
});
