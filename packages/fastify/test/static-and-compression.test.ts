/**
 * `@fastify/static` serving index.html and `@fastify/compress` registered after ramflow (the README's order),
 * with the real plugins: the page gets its toolbar; assets and API clients get what the app sends without ramflow.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import fastifyCompress from '@fastify/compress';
import fastifyStatic from '@fastify/static';
import { rawRequest, stripToolbar } from '@ramflow/core/testing';
import fastify from 'fastify';
import { ramflowToolbar } from '../src/index.js';

// Over @fastify/compress's 1 KB threshold, so that without the fix the page would be compressed before ramflow saw it.
const INDEX = `<!doctype html><html><head><title>spa</title><!-- ${'padding '.repeat(300)}--></head><body><div id="app"></div></body></html>`;
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(4000))});\n`;
const BROWSER = { accept: 'text/html', 'accept-encoding': 'gzip, deflate, br' };

const dir = mkdtempSync(join(tmpdir(), 'ramflow-fastify-static-'));
writeFileSync(join(dir, 'index.html'), INDEX);
writeFileSync(join(dir, 'app.js'), SCRIPT);

const apps: Array<{ close(): Promise<unknown> }> = [];
after(async () => {
  for (const app of apps) await app.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(withRamflow: boolean): Promise<string> {
  const app = fastify();
  apps.push(app);
  if (withRamflow) await app.register(ramflowToolbar, { memoryBackend: 'process' });
  await app.register(fastifyCompress);
  await app.register(fastifyStatic, { root: dir });
  app.get('/sent', (_request, reply) => reply.sendFile('index.html'));
  return app.listen({ port: 0, host: '127.0.0.1' });
}

describe('@ramflow/fastify with @fastify/static and @fastify/compress', async () => {
  const on = await start(true);
  const off = await start(false);

  for (const path of ['/', '/index.html', '/sent']) {
    it(`injects into ${path} served from disk, uncompressed for the toolbar`, async () => {
      const res = await rawRequest(on, path, { headers: BROWSER });
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-encoding'], undefined);
      const body = res.body.toString();
      assert.match(body, /<ramflow-toolbar /);
      assert.equal(stripToolbar(body), INDEX);
      assert.equal(Number(res.headers['content-length']), res.body.length);
      assert.equal(res.headers.etag, undefined);
    });
  }

  it('still compresses what is not a page (a script asked for with gzip)', async () => {
    const res = await rawRequest(on, '/app.js', { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(res.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(res.body).toString(), SCRIPT);
  });

  it('answers HEAD of a static page as without ramflow', async () => {
    const init = { method: 'HEAD', headers: BROWSER };
    const res = await rawRequest(on, '/index.html', init);
    const plain = await rawRequest(off, '/index.html', init);
    assert.equal(res.status, plain.status);
    assert.equal(res.body.length, 0);
  });

  it('gives API clients the page as without ramflow', async () => {
    const init = { headers: { accept: '*/*', 'accept-encoding': 'gzip' } };
    const res = await rawRequest(on, '/index.html', init);
    const plain = await rawRequest(off, '/index.html', init);
    assert.equal(res.headers['content-encoding'], plain.headers['content-encoding']);
    assert.deepEqual(res.body, plain.body);
  });
});
