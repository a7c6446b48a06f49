import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import type { RamflowOptions } from '@ramflow/core';
import { type ConformanceServer, parseServerTiming, rawRequest } from '@ramflow/core/testing';
import Koa from 'koa';
import Koa2 from 'koa2';
import { type RamflowMiddleware, ramflow } from '../src/index.js';
import { listen } from './conformance-app.js';

const BROWSER = { accept: 'text/html' };
const PAGE = '<!doctype html><html><body><p>etagged</p></body></html>';

async function record(baseUrl: string, id: string) {
  const res = await rawRequest(baseUrl, `/__ramflow/api/requests/${id}`);
  assert.equal(res.status, 200);
  return JSON.parse(res.body.toString());
}

/** An app with ramflow first and a few routes the conformance suite does not cover. */
async function serve(KoaApp: typeof Koa, options: RamflowOptions = {}): Promise<ConformanceServer> {
  const app = new KoaApp();
  const middleware = ramflow(options);
  app.use(middleware);
  app.use(async (ctx, next) => {
    switch (ctx.path) {
      case '/timed':
        ctx.set('Server-Timing', 'db;dur=12.5;desc="query"');
        ctx.type = 'text/plain';
        ctx.body = 'timed';
        return;
      case '/teapot':
        // Set before the throw: Koa's error handler removes it along with every other header.
        ctx.set('X-App', 'lost');
        ctx.throw(418, 'short and stout', { headers: { 'X-Kept': 'by-koa' } });
        return;
      case '/boom':
        ctx.set('X-App', 'lost');
        throw new TypeError('boom');
      case '/etag-page':
        ctx.set('ETag', '"page-v1"');
        ctx.type = 'html';
        ctx.body = Buffer.from(PAGE);
        return;
      case '/session':
        ctx.body = { id: ctx.ramflow?.id ?? null };
        return;
      case '/raw':
        // An app that answers on node:http itself: ramflow must not touch the body Koa will not send.
        ctx.respond = false;
        ctx.body = '<html><body>never sent</body></html>';
        ctx.remove('Content-Length');
        setTimeout(() => ctx.res.end('<html><body>raw</body></html>'), 5);
        return;
      default:
        return next();
    }
  });
  return listen(app, () => middleware.ramflow.close());
}

for (const [name, KoaApp] of [
  ['koa@3', Koa],
  ['koa@2', Koa2],
] as const) {
  describe(`@ramflow/koa on ${name}`, () => {
    let server: ConformanceServer;
    before(async () => {
      server = await serve(KoaApp);
    });
    after(() => server.close());

    it("keeps the app's own Server-Timing and appends ramflow's metrics", async () => {
      const res = await rawRequest(server.baseUrl, '/timed');
      assert.equal(res.body.toString(), 'timed');
      const metrics = parseServerTiming(res.headers['server-timing'] as string);
      assert.deepEqual(metrics[0], { name: 'db', params: { dur: '12.5', desc: 'query' } });
      assert.ok(
        metrics.some((m) => m.name === 'ramflow'),
        'ramflow metric appended',
      );
      assert.ok(res.headers['x-ramflow-id']);
    });

    it('keeps X-Ramflow-Id on an error Koa answers, and records the error', async () => {
      const res = await rawRequest(server.baseUrl, '/boom', { headers: BROWSER });
      assert.equal(res.status, 500);
      assert.equal(res.body.toString(), 'Internal Server Error');
      assert.equal(res.headers['x-app'], undefined, "Koa's error handler still clears the app's headers");
      const id = res.headers['x-ramflow-id'] as string;
      assert.ok(id, 'X-Ramflow-Id survives ctx.onerror');
      assert.ok(res.headers['server-timing']);
      const rec = await record(server.baseUrl, id);
      assert.deepEqual(rec.appError, { name: 'TypeError', message: 'boom' });
      assert.equal(rec.response.statusCode, 500);
      assert.equal(rec.response.injected, false);
    });

    it('leaves an HttpError response as Koa writes it (status, exposed message, err.headers)', async () => {
      const res = await rawRequest(server.baseUrl, '/teapot', { headers: BROWSER });
      assert.equal(res.status, 418);
      assert.equal(res.body.toString(), 'short and stout');
      assert.equal(res.headers['x-kept'], 'by-koa');
      assert.equal(res.headers['x-app'], undefined);
      const rec = await record(server.baseUrl, res.headers['x-ramflow-id'] as string);
      assert.equal(rec.appError?.message, 'short and stout');
      assert.equal(rec.response.statusCode, 418);
    });

    it('injects into a Buffer body, fixes Content-Length and drops the ETag', async () => {
      const res = await rawRequest(server.baseUrl, '/etag-page', { headers: BROWSER });
      const body = res.body.toString();
      assert.match(body, /<ramflow-toolbar /);
      assert.equal(Number(res.headers['content-length']), res.body.length);
      assert.equal(res.headers.etag, undefined);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      const plain = await rawRequest(server.baseUrl, '/etag-page', { headers: { accept: '*/*' } });
      assert.equal(plain.headers.etag, '"page-v1"', 'kept when nothing is injected');
      assert.equal(plain.body.toString(), PAGE);
    });

    it('exposes the session on ctx.ramflow', async () => {
      const res = await rawRequest(server.baseUrl, '/session');
      assert.equal(JSON.parse(res.body.toString()).id, res.headers['x-ramflow-id']);
    });

    it('does not inject into a body Koa will not send (ctx.respond = false)', async () => {
      const res = await rawRequest(server.baseUrl, '/raw', { headers: BROWSER });
      assert.equal(res.body.toString(), '<html><body>raw</body></html>');
      const rec = await record(server.baseUrl, res.headers['x-ramflow-id'] as string);
      assert.equal(rec.response.injected, false);
    });
  });
}

describe('@ramflow/koa options', () => {
  it('throws at construction for a misspelled option, naming it and the fix', () => {
    assert.throws(
      () => ramflow({ histroySize: 5 } as RamflowOptions),
      (error: Error & { code?: string }) =>
        error.code === 'RAMFLOW_INVALID_OPTION' &&
        /`histroySize`/.test(error.message) &&
        /`historySize`/.test(error.message),
    );
  });

  it('throws at construction for an invalid value, naming the option', () => {
    assert.throws(
      () => ramflow({ basePath: 'no-slash' }),
      (error: Error & { code?: string }) =>
        error.code === 'RAMFLOW_INVALID_OPTION' && /basePath/.test(error.message),
    );
  });

  it('exposes the ramflow instance it drives', async () => {
    const middleware: RamflowMiddleware = ramflow({ enabled: false });
    assert.equal(typeof middleware, 'function');
    assert.equal(middleware.ramflow.options.enabled, false);
    await middleware.ramflow.close();
  });
});

describe('CommonJS build', () => {
  it('require("@ramflow/koa") serves the toolbar from the CJS bundle', async () => {
    const require = createRequire(import.meta.url);
    const cjs = require('@ramflow/koa') as typeof import('../src/index.js');
    assert.equal(typeof cjs.ramflow, 'function');
    assert.equal(cjs.default, cjs.ramflow);
    const app = new Koa();
    const middleware = cjs.ramflow();
    app.use(middleware);
    app.use((ctx) => {
      ctx.body = '<html><body>cjs</body></html>';
    });
    const server = await listen(app, () => middleware.ramflow.close());
    try {
      const page = await rawRequest(server.baseUrl, '/', { headers: BROWSER });
      assert.match(page.body.toString(), /<ramflow-toolbar /);
      const css = await rawRequest(server.baseUrl, '/__ramflow/assets/toolbar.css');
      assert.equal(css.status, 200);
    } finally {
      await server.close();
    }
  });
});
