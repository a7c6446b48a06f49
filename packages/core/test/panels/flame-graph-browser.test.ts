/**
 * The flame-graph renderer (templates/assets/flamegraph/ (assembled into flamegraph.js)) in Debian's Chromium, under a strict CSP: the panel
 * template as the server renders it, JSON built by flameGraphData/flameGraphDiff, served by a tiny node:http
 * server. Hover, zoom, search, hiding node_modules, the retained re-run, diff mode, a shadow root, a failing
 * fetch, and a frame name that is markup.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { flameGraphCompare, flameGraphPanel } from '../../src/panels/flame-graph.js';
import { flameGraphData, flameGraphDiff, parseHide } from '../../src/profile/flame-graph.js';
import { Templates } from '../../src/toolbar/templates.js';
import type { AllocationProfile, ProfileFrame } from '../../src/types.js';
import { launchChromium, skipWithoutChromium } from '../helpers/chromium.js';
import { at, buildProfile, syntheticRecord } from '../helpers/profiles.js';

const BASE = '/__ramflow';
const XSS = '<img src=x onerror=window.__xss=1>';

const FRAMES = {
  handleRequest: { url: 'file:///srv/app/src/routes/home.js', line: 12, column: 5 },
  renderPage: { url: 'file:///srv/app/src/views/render.js', line: 40, column: 1 },
  renderPartial: { url: 'file:///srv/app/src/views/partial.js', line: 2, column: 1 },
  'JSON.stringify': { url: '', line: 0, column: 0, kind: 'node' as const },
  query: {
    url: 'file:///srv/app/node_modules/pg/lib/client.js',
    line: 300,
    column: 9,
    kind: 'dependency' as const,
  },
  [XSS]: { url: 'file:///srv/app/src/evil.js', line: 1, column: 1 },
  leakyCache: { url: 'file:///srv/app/src/cache.js', line: 5, column: 1 },
};

/** handleRequest → renderPage (→ JSON.stringify, renderPartial), query, and a frame whose name is markup. */
function allocated(): AllocationProfile {
  return buildProfile(
    FRAMES,
    [
      at(
        'handleRequest',
        1_000,
        at('renderPage', 30_000, at('JSON.stringify', 50_000), at('renderPartial', 5_000)),
        at('query', 20_000),
        at(XSS, 9_000),
      ),
    ],
    { samplingInterval: 1024 },
  );
}

function retained(): AllocationProfile {
  return buildProfile(FRAMES, [at('handleRequest', 0, at('leakyCache', 40_000))], {
    view: 'retained',
    samplingInterval: 1024,
  });
}

/** B for the diff page: renderPage grew, query shrank, the markup frame is gone. */
function later(): AllocationProfile {
  return buildProfile(FRAMES, [
    at('handleRequest', 1_000, at('renderPage', 90_000, at('renderPartial', 5_000)), at('query', 5_000)),
  ]);
}

/** About 5,000 nodes: 50 handlers, each with 20 callees four levels deep. */
function big(): AllocationProfile {
  const frames: Record<string, Partial<ProfileFrame>> = {};
  const top = [];
  for (let i = 0; i < 50; i++) {
    frames[`handler${i}`] = {};
    const kids = [];
    for (let j = 0; j < 20; j++) {
      const names = [0, 1, 2, 3].map((level) => `fn${i}_${j}_${level}`);
      for (const name of names) frames[name] = { kind: j % 3 === 0 ? 'dependency' : 'app' };
      kids.push(
        at(
          names[0] as string,
          100 + j,
          at(names[1] as string, 50, at(names[2] as string, 20, at(names[3] as string, 10 + i))),
        ),
      );
    }
    top.push(at(`handler${i}`, i, ...kids));
  }
  return buildProfile(frames, top);
}

const CSP = "default-src 'self'";

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<link rel="stylesheet" href="${BASE}/assets/panels.css"><link rel="stylesheet" href="${BASE}/assets/flamegraph.css">
<script src="${BASE}/assets/flamegraph.js" defer></script></head><body>${body}</body></html>`;
}

describe('flame graph renderer in Chromium', {
  skip: skipWithoutChromium,
}, () => {
  let browser: Browser;
  let server: Server;
  let origin: string;
  const templates = new Templates();
  const seen: Array<{ url: string; profileHeader: string | undefined }> = [];
  let retainedAttempts = 0;

  const pages = (): Record<string, string> => {
    const record = syntheticRecord('0000abcd-1', { allocations: allocated(), url: '/app?x=1' });
    const panel = flameGraphPanel(record, { basePath: BASE, speedscopeAvailable: true });
    const a = syntheticRecord('0000abcd-a', { allocations: allocated() });
    const b = syntheticRecord('0000abcd-b', { allocations: later() });
    const compare = flameGraphCompare(a, b, { basePath: BASE });
    return {
      '/page': page('flame', `<main>${templates.render('panels/flame-graph', panel)}</main>`),
      '/diff': page('diff', `<main>${templates.render('panels/flame-graph', compare)}</main>`),
      '/shadow': page(
        'shadow',
        `<ramflow-toolbar><template shadowrootmode="open"><link rel="stylesheet" href="${BASE}/assets/panels.css"><link rel="stylesheet" href="${BASE}/assets/flamegraph.css"><div class="rf-panel">${templates.render('panels/flame-graph', panel)}</div></template></ramflow-toolbar>`,
      ),
      '/big': page(
        'big',
        `<div class="rf-flame" data-src="${BASE}/api/requests/0000abcd-4/flamegraph.json" data-hide=""></div>`,
      ),
      '/broken': page('broken', `<div class="rf-flame" data-src="${BASE}/api/broken.json"></div>`),
    };
  };

  function json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const header = req.headers['x-ramflow-profile'];
    seen.push({
      url: `${url.pathname}${url.search}`,
      profileHeader: typeof header === 'string' ? header : undefined,
    });
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const html = pages()[url.pathname];
    if (html !== undefined) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': CSP });
      res.end(html);
      return;
    }
    const asset = /^\/__ramflow\/assets\/([a-z0-9-]+\.(css|js))$/.exec(url.pathname);
    if (asset) {
      const type = asset[2] === 'css' ? 'text/css' : 'text/javascript';
      res.writeHead(200, { 'content-type': `${type}; charset=utf-8` });
      res.end(templates.asset(asset[1] as string));
      return;
    }
    const hide = parseHide(url.searchParams.get('hide'));
    if (url.pathname === `${BASE}/api/requests/0000abcd-1/flamegraph.json`) {
      json(res, 200, flameGraphData(allocated(), { hide }));
      return;
    }
    if (url.pathname === `${BASE}/api/requests/0000abcd-2/flamegraph.json`) {
      // The re-run's record is stored a moment after its response: the renderer retries.
      if (++retainedAttempts <= 2) json(res, 404, { error: 'not found' });
      else json(res, 200, flameGraphData(retained(), { hide }));
      return;
    }
    if (url.pathname === `${BASE}/api/requests/0000abcd-4/flamegraph.json`) {
      json(res, 200, flameGraphData(big(), { hide }));
      return;
    }
    if (url.pathname === `${BASE}/api/compare/flamegraph.json`) {
      json(res, 200, flameGraphDiff(allocated(), later(), { hide }));
      return;
    }
    if (url.pathname === '/app') {
      res.writeHead(200, {
        'content-type': 'text/html',
        'x-ramflow-id': header === 'retained' ? '0000abcd-2' : '0000abcd-3',
      });
      res.end('<p>app</p>');
      return;
    }
    json(res, url.pathname === `${BASE}/api/broken.json` ? 500 : 404, {
      error: 'no',
      message: '<b>the store is down</b>',
    });
  }

  before(async () => {
    server = createServer(handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  /** A page that records console errors (CSP violations are logged as such) except expected failed fetches. */
  async function open(
    path: string,
    expectedFailures: RegExp[] = [],
  ): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const where = message.location().url;
      if (/^Failed to load resource/.test(message.text()) && expectedFailures.some((re) => re.test(where)))
        return;
      errors.push(`${message.text()} (${where})`);
    });
    await page.goto(`${origin}${path}`);
    return { page, errors };
  }

  /** The accessible list's entry of the box whose text starts with `name:`. */
  async function box(page: Page, name: string) {
    const item = page
      .locator('.rf-flame-a11y li')
      .filter({ hasText: `${name}:` })
      .first();
    await item.waitFor({ state: 'attached' });
    const read = async (key: string) => Number(await item.getAttribute(`data-${key}`));
    return { item, x: await read('x'), y: await read('y'), width: await read('width') };
  }

  async function pointAt(page: Page, name: string): Promise<{ x: number; y: number }> {
    const canvas = await page.locator('.rf-flame-canvas').boundingBox();
    assert.ok(canvas);
    const target = await box(page, name);
    return { x: canvas.x + target.x + target.width / 2, y: canvas.y + target.y + 9 };
  }

  it('renders, shows a tooltip on hover, zooms on click, resets on Escape, and searches', async () => {
    const { page, errors } = await open('/page');
    const flame = page.locator('.rf-flame');
    await page.locator('.rf-flame[data-rendered="1"]').waitFor({ state: 'attached' });
    const canvasWidth = (await page.locator('.rf-flame-canvas').boundingBox())?.width ?? 0;
    assert.ok(canvasWidth > 500, `canvas ${canvasWidth}px wide`);
    const root = await box(page, 'all');
    assert.equal(root.x, 0);
    assert.ok(Math.abs(root.width - canvasWidth) <= 1);
    assert.match(
      await page.locator('.rf-flame-legend').innerText(),
      /app[\s\S]*node_modules[\s\S]*Node\.js \/ V8[\s\S]*ramflow/,
    );
    // Node internals are hidden by default: JSON.stringify's bytes are in renderPage.
    assert.equal(await page.locator('.rf-flame-a11y li').filter({ hasText: 'JSON.stringify' }).count(), 0);
    assert.ok(
      seen.some(
        (entry) => entry.url === `${BASE}/api/requests/0000abcd-1/flamegraph.json?hide=node%2Cramflow`,
      ),
    );

    const point = await pointAt(page, 'renderPage');
    await page.mouse.move(point.x, point.y);
    const tip = page.locator('.rf-flame-tip');
    await tip.waitFor({ state: 'visible' });
    const tipText = await tip.innerText();
    assert.match(tipText, /renderPage/);
    assert.match(tipText, /views\/render\.js:40/);
    assert.match(tipText, /Total: 85 KB \(73\.9% of total\)/);
    assert.match(tipText, /Self: 80 KB/);

    await page.mouse.click(point.x, point.y);
    await page.waitForFunction(() => document.querySelector<HTMLElement>('.rf-flame')?.dataset.zoom !== '0');
    const zoomed = await box(page, 'renderPage');
    assert.equal(await zoomed.item.getAttribute('data-zoomed'), '1');
    assert.equal(zoomed.x, 0);
    assert.ok(Math.abs(zoomed.width - canvasWidth) <= 1, 'the zoomed box spans the width');
    const ancestor = await box(page, 'handleRequest');
    assert.ok(Math.abs(ancestor.width - canvasWidth) <= 1, 'its callers are drawn above it, full width');
    assert.equal(await page.locator('.rf-flame-a11y li').filter({ hasText: 'query:' }).count(), 0);
    assert.match(
      await page.locator('.rf-flame-details').innerText(),
      /^renderPage \S*views\/render\.js:40 · 85 KB total, 80 KB self$/,
    );

    await page.locator('.rf-flame-canvas').focus();
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => document.querySelector<HTMLElement>('.rf-flame')?.dataset.zoom === '0');
    assert.equal(await page.locator('.rf-flame-a11y li').filter({ hasText: 'query:' }).count(), 1);

    // Zoom again, then the button resets.
    await page.mouse.click(point.x, point.y);
    await page.waitForFunction(() => document.querySelector<HTMLElement>('.rf-flame')?.dataset.zoom !== '0');
    await page.locator('.rf-flame-reset').click();
    await page.waitForFunction(() => document.querySelector<HTMLElement>('.rf-flame')?.dataset.zoom === '0');

    // renderPartial is inside renderPage: its bytes are counted once.
    await page.locator('.rf-flame-search').fill('RENDER');
    const result = page.locator('.rf-flame-search-result');
    await result.waitFor({ state: 'visible' });
    assert.equal(await result.innerText(), '2 matches: 85 KB (73.9% of total)');
    await page.waitForFunction(
      () => document.querySelectorAll('.rf-flame-a11y li[data-match="1"]').length === 2,
    );
    await page.locator('.rf-flame-search').fill('no such function');
    await page.waitForFunction(() =>
      document.querySelector('.rf-flame-search-result')?.textContent?.startsWith('No matches'),
    );
    await page.locator('.rf-flame-search').fill('');
    await result.waitFor({ state: 'hidden' });

    // The markup frame is text everywhere.
    const evil = await pointAt(page, XSS);
    await page.mouse.move(evil.x, evil.y);
    await page.waitForFunction(
      (name) => document.querySelector('.rf-flame-tip-name')?.textContent === name,
      XSS,
    );
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    assert.equal(await page.locator('img').count(), 0);
    assert.equal(await flame.getAttribute('data-view'), 'allocated');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('hides node_modules on request, and fetches the retained view by re-running the GET', async () => {
    const { page, errors } = await open('/page', [/0000abcd-2\/flamegraph\.json/]);
    await page.locator('.rf-flame[data-rendered="1"]').waitFor({ state: 'attached' });
    assert.equal(await page.locator('.rf-flame-a11y li').filter({ hasText: 'query:' }).count(), 1);
    await page.locator('.rf-flame-hide-deps').check();
    await page.waitForFunction(() =>
      [...document.querySelectorAll('.rf-flame-a11y li')].every(
        (li) => !li.textContent?.startsWith('query:'),
      ),
    );
    assert.ok(
      seen.some(
        (entry) =>
          entry.url === `${BASE}/api/requests/0000abcd-1/flamegraph.json?hide=node%2Cramflow%2Cdependency`,
      ),
    );
    await page.locator('.rf-flame-hide-internal').uncheck();
    await page.locator('.rf-flame-hide-deps').uncheck();
    await box(page, 'JSON.stringify');
    assert.ok(seen.some((entry) => entry.url === `${BASE}/api/requests/0000abcd-1/flamegraph.json?hide=`));
    await page.locator('.rf-flame-hide-internal').check();

    const before = seen.length;
    await page.locator('.rf-flame-view[data-view="retained"]').click();
    await page.locator('.rf-flame[data-view="retained"]').waitFor({ state: 'attached' });
    await box(page, 'leakyCache');
    const rerun = seen.slice(before).find((entry) => entry.url === '/app?x=1');
    assert.equal(rerun?.profileHeader, 'retained', 'the re-run carries X-Ramflow-Profile: retained');
    assert.ok(retainedAttempts >= 3, 'retried while the record was not stored yet');
    assert.equal(
      await page.locator('.rf-flame-view[data-view="retained"]').getAttribute('aria-pressed'),
      'true',
    );
    assert.match(
      await page.locator('.rf-flame-rerun').innerText(),
      /new run of this request: request 0000abcd-2/,
    );
    assert.equal(await page.locator('.rf-flame-rerun a').getAttribute('href'), `${BASE}/requests/0000abcd-2`);

    const reruns = seen.filter((entry) => entry.url === '/app?x=1').length;
    await page.locator('.rf-flame-view[data-view="allocated"]').click();
    await page.locator('.rf-flame[data-view="allocated"]').waitFor({ state: 'attached' });
    await box(page, 'renderPage');
    assert.equal(
      seen.filter((entry) => entry.url === '/app?x=1').length,
      reruns,
      'the original is not re-run',
    );
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('draws a diff coloured by growth, with A, B and the change in the tooltip and the removed paths listed', async () => {
    const { page, errors } = await open('/diff');
    await page.locator('.rf-flame[data-mode="diff"][data-rendered="1"]').waitFor({ state: 'attached' });
    assert.match(await page.locator('.rf-flame-legend').innerText(), /B grew[\s\S]*B shrank[\s\S]*unchanged/);
    const grown = await pointAt(page, 'renderPage');
    await page.mouse.move(grown.x, grown.y);
    const tip = page.locator('.rf-flame-tip');
    await tip.waitFor({ state: 'visible' });
    const text = await tip.innerText();
    assert.match(text, /B: 95 KB total/);
    assert.match(text, /A: 85 KB total/);
    assert.match(text, /Change: \+10 KB \(\+11\.8%\)/);
    const shrunk = await pointAt(page, 'query');
    const colour = async (point: { x: number; y: number }) =>
      page.evaluate(({ x, y }) => {
        const canvas = document.querySelector('canvas') as HTMLCanvasElement;
        const rect = canvas.getBoundingClientRect();
        const ratio = canvas.width / rect.width;
        const data = canvas
          .getContext('2d')
          ?.getImageData(
            Math.round((x - rect.left) * ratio),
            Math.round((y - rect.top - 6) * ratio),
            1,
            1,
          ).data;
        return data ? [data[0], data[1], data[2]] : [];
      }, point);
    await page.mouse.move(0, 0);
    const [r1 = 0, , b1 = 0] = await colour(grown);
    const [r2 = 0, , b2 = 0] = await colour(shrunk);
    assert.ok(r1 > b1 + 40, `grown box is red: ${r1},${b1}`);
    assert.ok(b2 > r2 + 40, `shrunk box is blue: ${r2},${b2}`);
    const removed = page.locator('.rf-flame-removed');
    await removed.waitFor({ state: 'visible' });
    const removedText = (await removed.textContent()) ?? '';
    assert.match(removedText, /Only in A: 1 call path, 9 KB/);
    assert.ok(removedText.includes(`handleRequest › ${XSS}`));
    assert.equal(await page.locator('img').count(), 0);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("mounts inside a toolbar's shadow root", async () => {
    const { page, errors } = await open('/shadow');
    await page.locator('ramflow-toolbar .rf-flame[data-rendered="1"]').waitFor({ state: 'attached' });
    const canvas = await page.locator('ramflow-toolbar .rf-flame-canvas').boundingBox();
    assert.ok(canvas && canvas.width > 100);
    const item = page.locator('ramflow-toolbar .rf-flame-a11y li').filter({ hasText: 'renderPage:' }).first();
    const x = Number(await item.getAttribute('data-x')) + Number(await item.getAttribute('data-width')) / 2;
    const y = Number(await item.getAttribute('data-y')) + 9;
    await page.mouse.move(canvas.x + x, canvas.y + y);
    await page.locator('ramflow-toolbar .rf-flame-tip').waitFor({ state: 'visible' });
    assert.match(await page.locator('ramflow-toolbar .rf-flame-tip').innerText(), /renderPage/);
    // mountAll again is a no-op.
    await page.evaluate(() => {
      const root = document.querySelector('ramflow-toolbar')?.shadowRoot;
      (
        globalThis as unknown as { ramflowFlameGraph: { mountAll(root: unknown): void } }
      ).ramflowFlameGraph.mountAll(root);
    });
    assert.equal(await page.locator('ramflow-toolbar .rf-flame-canvas').count(), 1);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('draws a 5,000-node graph quickly, and builds its own controls when the markup has none', async (t) => {
    const { page, errors } = await open('/big');
    await page.locator('.rf-flame[data-rendered="1"]').waitFor({ state: 'attached' });
    assert.equal(await page.locator('.rf-flame-controls .rf-flame-search').count(), 1);
    assert.equal(
      await page.locator('.rf-flame-hide-internal').isChecked(),
      false,
      'data-hide="" hides nothing',
    );
    const timing = await page.evaluate(async () => {
      const input = document.querySelector('.rf-flame-search') as HTMLInputElement;
      const flame = document.querySelector('.rf-flame') as HTMLElement;
      const times: number[] = [];
      for (const query of ['fn1', 'handler4', '']) {
        const start = performance.now();
        input.value = query;
        input.dispatchEvent(new Event('input'));
        // Two frames: the redraw is scheduled on the next one.
        for (let k = 0; k < 2; k++) await new Promise((resolve) => requestAnimationFrame(resolve));
        times.push(performance.now() - start);
      }
      return {
        times,
        boxes: document.querySelectorAll('.rf-flame-a11y li').length,
        zoom: flame.dataset.zoom,
      };
    });
    assert.ok(timing.boxes > 1000, `${timing.boxes} boxes drawn`);
    for (const ms of timing.times) assert.ok(ms < 1000, `search and redraw took ${ms.toFixed(0)} ms`);
    t.diagnostic(
      `5k nodes: ${timing.boxes} boxes, search+redraw ${timing.times.map((ms) => ms.toFixed(0)).join('/')} ms`,
    );
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('shows a failed fetch in the container instead of throwing', async () => {
    const { page, errors } = await open('/broken', [/\/api\/broken\.json/]);
    const message = page.locator('.rf-flame-message');
    await page.waitForFunction(() =>
      document.querySelector('.rf-flame-message')?.textContent?.startsWith('Could not load'),
    );
    assert.equal(
      await message.innerText(),
      'Could not load the flame graph: the server answered 500 Internal Server Error: <b>the store is down</b>',
    );
    assert.deepEqual(errors, []);
    await page.close();
  });
});
