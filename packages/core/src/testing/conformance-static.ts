import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { rawRequest, stripToolbar } from './http.js';

/** The static site every framework serves for these tests: an index.html and a script, in a temporary folder. */
export const STATIC_SITE = {
  // Over the compression middlewares' 1 KB threshold, so that without ramflow asking for identity the page would
  // be compressed before ramflow saw it.
  index: `<!doctype html><html><head><title>spa</title><!-- ${'padding '.repeat(300)}--></head><body><div id="app"></div></body></html>`,
  script: `console.log(${JSON.stringify('x'.repeat(4000))});\n`,
};

export interface StaticServerOptions {
  /** Build the app with ramflow registered first (the README's order), or without ramflow. */
  withRamflow: boolean;
  /** The folder to serve with the framework's static-file middleware (`index.html`, `app.js`). */
  root: string;
}

export interface StaticConformanceOptions {
  /** Shown in test names, e.g. "express@5 with express.static and compression()". */
  name: string;
  /**
   * Builds the app with ramflow (or not), then the framework's compression middleware, then its static-file
   * middleware on `root`, plus a route `/sent` that sends `root/index.html` with the framework's send-file API
   * when it has one; listens on 127.0.0.1 port 0. Resolves to the base URL and a close function.
   */
  start(options: StaticServerOptions): Promise<{ baseUrl: string; close(): Promise<unknown> }>;
  /** Paths that serve index.html (default `/`, `/index.html`, `/sent`). */
  pagePaths?: readonly string[];
}

const BROWSER = { accept: 'text/html', 'accept-encoding': 'gzip, deflate, br' };

/**
 * The setups single-page apps and real servers have, with the framework's real static-file and compression
 * middleware: the page gets its toolbar, uncompressed, with a right Content-Length and no validators; assets are
 * still compressed; HEAD and API clients get what the app sends without ramflow.
 */
export function defineStaticConformanceSuite({
  name,
  start,
  pagePaths = ['/', '/index.html', '/sent'],
}: StaticConformanceOptions): void {
  describe(`ramflow with static files and compression: ${name}`, () => {
    const root = mkdtempSync(join(tmpdir(), 'ramflow-static-'));
    writeFileSync(join(root, 'index.html'), STATIC_SITE.index);
    writeFileSync(join(root, 'app.js'), STATIC_SITE.script);
    let on: { baseUrl: string; close(): Promise<unknown> };
    let off: { baseUrl: string; close(): Promise<unknown> };
    before(async () => {
      on = await start({ withRamflow: true, root });
      off = await start({ withRamflow: false, root });
    });
    after(async () => {
      await on?.close();
      await off?.close();
      rmSync(root, { recursive: true, force: true });
    });

    for (const path of pagePaths) {
      it(`injects into ${path} served from disk, uncompressed for the toolbar`, async () => {
        const res = await rawRequest(on.baseUrl, path, { headers: BROWSER });
        assert.equal(res.status, 200);
        assert.equal(res.headers['content-encoding'], undefined);
        const body = res.body.toString();
        assert.match(body, /<ramflow-toolbar /);
        assert.equal(stripToolbar(body), STATIC_SITE.index);
        assert.equal(Number(res.headers['content-length']), res.body.length);
        assert.equal(res.headers.etag, undefined);
        assert.equal(res.headers['last-modified'], undefined);
      });
    }

    it('still compresses what is not a page (a script asked for with gzip)', async () => {
      const res = await rawRequest(on.baseUrl, '/app.js', { headers: { 'accept-encoding': 'gzip' } });
      assert.equal(res.headers['content-encoding'], 'gzip');
      assert.equal(gunzipSync(res.body).toString(), STATIC_SITE.script);
    });

    it('answers HEAD of a static page as without ramflow', async () => {
      const init = { method: 'HEAD', headers: BROWSER };
      const res = await rawRequest(on.baseUrl, '/index.html', init);
      const plain = await rawRequest(off.baseUrl, '/index.html', init);
      assert.equal(res.status, plain.status);
      assert.equal(res.headers['content-length'], plain.headers['content-length']);
      assert.equal(res.body.length, 0);
    });

    it('gives API clients the page as without ramflow, compressed alike', async () => {
      const init = { headers: { accept: '*/*', 'accept-encoding': 'gzip' } };
      const res = await rawRequest(on.baseUrl, '/index.html', init);
      const plain = await rawRequest(off.baseUrl, '/index.html', init);
      assert.equal(res.headers['content-encoding'], plain.headers['content-encoding']);
      const body = res.headers['content-encoding'] === 'gzip' ? gunzipSync(res.body) : res.body;
      assert.equal(body.toString(), STATIC_SITE.index);
    });
  });
}
