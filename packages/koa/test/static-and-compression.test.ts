/**
 * `koa-static` serving index.html and `koa-compress` registered after ramflow (the README's order), with the real
 * packages: the page gets its toolbar; assets and API clients get what the app sends without ramflow.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { rawRequest, serveOnLoopback, stripToolbar } from '@ramflow/core/testing';
import Koa from 'koa';
import compress from 'koa-compress';
import serve from 'koa-static';
import { ramflow } from '../src/index.js';

// Over koa-compress's 1 KB threshold, so that without the fix the page would be compressed before ramflow saw it.
const INDEX = `<!doctype html><html><head><title>spa</title><!-- ${'padding '.repeat(300)}--></head><body><div id="app"></div></body></html>`;
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(4000))});\n`;
const BROWSER = { accept: 'text/html', 'accept-encoding': 'gzip, deflate, br' };

const dir = mkdtempSync(join(tmpdir(), 'ramflow-koa-static-'));
writeFileSync(join(dir, 'index.html'), INDEX);
writeFileSync(join(dir, 'app.js'), SCRIPT);

const servers: Array<{ close(): Promise<void> }> = [];
after(async () => {
  for (const server of servers) await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(withRamflow: boolean) {
  const app = new Koa();
  const middleware = withRamflow ? ramflow({ memoryBackend: 'process' }) : undefined;
  if (middleware) app.use(middleware);
  app.use(compress());
  app.use(serve(dir));
  const server = await serveOnLoopback(app.callback(), async () => {
    await middleware?.ramflow.close();
  });
  servers.push(server);
  return server;
}

describe('@ramflow/koa with koa-static and koa-compress', async () => {
  const on = await start(true);
  const off = await start(false);

  for (const path of ['/', '/index.html']) {
    it(`injects into ${path} served from disk, uncompressed for the toolbar`, async () => {
      const res = await rawRequest(on.baseUrl, path, { headers: BROWSER });
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-encoding'], undefined);
      const body = res.body.toString();
      assert.match(body, /<ramflow-toolbar /);
      assert.equal(stripToolbar(body), INDEX);
      assert.equal(Number(res.headers['content-length']), res.body.length);
      assert.equal(res.headers['last-modified'], undefined);
    });
  }

  it('still compresses what is not a page (a script asked for with gzip)', async () => {
    const res = await rawRequest(on.baseUrl, '/app.js', { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(res.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(res.body).toString(), SCRIPT);
  });

  it('answers HEAD of a static page as without ramflow', async () => {
    const init = { method: 'HEAD', headers: BROWSER };
    const res = await rawRequest(on.baseUrl, '/index.html', init);
    const plain = await rawRequest(off.baseUrl, '/index.html', init);
    assert.equal(res.status, plain.status);
    assert.equal(res.headers['content-length'], plain.headers['content-length']);
    assert.equal(res.body.length, 0);
  });

  it('gives API clients the page as without ramflow', async () => {
    const init = { headers: { accept: '*/*', 'accept-encoding': 'gzip' } };
    const res = await rawRequest(on.baseUrl, '/index.html', init);
    const plain = await rawRequest(off.baseUrl, '/index.html', init);
    assert.equal(res.headers['content-encoding'], plain.headers['content-encoding']);
    assert.equal(gunzipSync(res.body).toString(), INDEX);
  });
});
