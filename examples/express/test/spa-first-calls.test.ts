/**
 * A single-page app's first calls, in Chromium: a module script in <head> fetches as soon as it runs, before the
 * deferred toolbar script. The call tagger ramflow puts first in <head> links those calls to the page
 * (X-Ramflow-Parent), and the badge counts them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RequestRecord } from '@ramflow/core';
import { ramflow } from '@ramflow/express';
import express from 'express';
import type { Browser } from 'playwright-core';
import { launchChromium, skipWithoutChromium } from '../../../packages/core/test/helpers/chromium.js';
import { listen } from '../../../packages/express/test/conformance-app.js';

const PAGE =
  '<!doctype html><html><head><meta charset="utf-8"><script type="module" src="/spa.mjs"></script></head><body><div id="app"></div></body></html>';
const MODULE =
  "const r = await fetch('/api/first'); document.getElementById('app').textContent = (await r.json()).hello;\n";

describe('a single-page app in Chromium', { skip: skipWithoutChromium }, () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof listen>>;
  const middleware = ramflow({ memoryBackend: 'process' });

  before(async () => {
    const app = express();
    app.use(middleware);
    app.get('/', (_req, res) => res.type('html').send(PAGE));
    app.get('/spa.mjs', (_req, res) => res.type('text/javascript').send(MODULE));
    app.get('/api/first', (_req, res) => res.json({ hello: 'world' }));
    server = await listen(app, () => middleware.ramflow.close());
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('links the first fetch of a module script in <head> to the page, and the badge counts it', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const response = await page.goto(`${server.baseUrl}/`);
    const pageId = (await response?.allHeaders())?.['x-ramflow-id'];
    assert.ok(pageId, 'the page was profiled');
    await page.locator('#app', { hasText: 'world' }).waitFor();
    await middleware.ramflow.flush();
    const records = (await middleware.ramflow.store.list()) as Array<{ id: string; path?: string }>;
    const calls: RequestRecord[] = [];
    for (const summary of records) {
      const record = await middleware.ramflow.store.get(summary.id);
      if (record?.request.path === '/api/first') calls.push(record);
    }
    assert.equal(calls.length, 1, 'one record of the first call');
    assert.equal(calls[0]?.request.parentId, pageId, 'the first call is linked to its page');
    const counter = page.locator('ramflow-toolbar').locator('[data-ramflow="calls"]');
    await counter.waitFor({ state: 'visible' });
    assert.match(await counter.innerText(), /\+1 call\b/);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
