import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Ramflow } from '@ramflow/core';
import { ramflow } from '@ramflow/express';
import express from 'express';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, skipWithoutChromium } from '../../../packages/core/test/helpers/chromium.js';
import { listen } from '../../../packages/express/test/conformance-app.js';
import { buildApp } from '../src/app.js';

/** Collects page errors, console errors and CSP violations (the listener is installed before any page script). */
async function watch(page: Page): Promise<() => Promise<string[]>> {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  await page.addInitScript(() => {
    const list: string[] = [];
    (window as unknown as { __violations: string[] }).__violations = list;
    document.addEventListener('securitypolicyviolation', (event) => {
      list.push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  return async () => {
    const violations = await page.evaluate(
      () => (window as unknown as { __violations?: string[] }).__violations ?? [],
    );
    return [...problems, ...violations.map((v) => `csp: ${v}`)];
  };
}

/** Opens the toolbar's panel and a tab; resolves once the tab's panel has loaded. */
async function openTab(page: Page, tab: string) {
  const toolbar = page.locator('ramflow-toolbar');
  const panel = toolbar.locator('.rf-panel');
  if (!(await panel.isVisible())) await toolbar.locator('.rf-badge').click();
  await toolbar.locator(`[role="tab"][data-tab="${tab}"]`).click();
  const body = toolbar.locator(`[data-panel="${tab}"]`);
  await toolbar.locator(`[data-panel="${tab}"][data-loaded="1"]`).waitFor({ state: 'attached' });
  return body;
}

describe('the toolbar and dashboard UI in Chromium', {
  skip: skipWithoutChromium,
}, () => {
  let browser: Browser;
  let demo: Awaited<ReturnType<typeof listen>>;

  before(async () => {
    const app = buildApp({ ramflow: {} });
    demo = await listen(app, async () => {
      await (app.locals.ramflow as Ramflow).close();
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await demo?.close();
  });

  it('demo page: badge, every tab, the live fetch call in History, and its panels one click away', async () => {
    const page = await browser.newPage();
    const problems = await watch(page);
    await page.goto(`${demo.baseUrl}/`);
    const toolbar = page.locator('ramflow-toolbar');
    await page.locator('ramflow-toolbar[data-ramflow-settled="1"]').waitFor({ state: 'attached' });
    assert.match(await toolbar.locator('.rf-badge').innerText(), /RAM\s+~?[+-]?[\d.]+ (?:B|KB|MB)/);
    // The page calls /api/report with fetch() on load: the badge counts it.
    await toolbar.locator('[data-ramflow="calls"]:not([hidden])').waitFor({ state: 'attached' });
    assert.match(await toolbar.locator('[data-ramflow="calls"]').innerText(), /\+1 call/);

    for (const tab of ['allocations', 'flame-graph', 'heap-objects', 'process', 'history']) {
      const body = await openTab(page, tab);
      const text = await body.innerText();
      assert.doesNotMatch(text, /Could not load/, `${tab}: ${text}`);
      assert.ok(text.trim().length > 0, `${tab} is empty`);
    }
    // Keyboard: the tabs follow the arrow keys.
    await toolbar.locator('[role="tab"][data-tab="history"]').focus();
    await page.keyboard.press('Home');
    assert.equal(
      await toolbar.locator('[role="tab"][aria-selected="true"]').getAttribute('data-tab'),
      'summary',
    );
    await page.keyboard.press('ArrowRight');
    assert.equal(
      await toolbar.locator('[role="tab"][aria-selected="true"]').getAttribute('data-tab'),
      'allocations',
    );

    // History lists the call this page made, linked by X-Ramflow-Parent.
    const history = await openTab(page, 'history');
    const call = history.locator('tr[data-relation="call"]');
    await call.first().waitFor();
    assert.match(await call.first().innerText(), /GET\s+\/api\/report/);
    // Show it in the toolbar: its Allocations name buildReport as the top self allocator.
    await call.first().locator('[data-rf-switch]').click();
    await toolbar.locator('.rf-viewing:not([hidden])').waitFor();
    const allocations = await openTab(page, 'allocations');
    const top = allocations.locator('table.rf-functions').first().locator('tbody tr').first();
    assert.match(await top.innerText(), /buildReport/);
    // The Allocations frame filter reloads just the panel.
    await allocations.locator('.rf-filters a', { hasText: 'All frames' }).click();
    await toolbar
      .locator('[data-panel="allocations"] .rf-filters a[aria-current="true"]', { hasText: 'All frames' })
      .waitFor();
    // Its flame graph draws buildReport's frames; click to zoom, search highlights and gives the share.
    await openTab(page, 'flame-graph');
    const flame = toolbar.locator('[data-panel="flame-graph"] .rf-flame[data-rendered="1"]');
    await flame.waitFor({ state: 'attached' });
    const box = flame.locator('.rf-flame-a11y li', { hasText: 'buildReport' }).first();
    await box.waitFor({ state: 'attached' });
    const [x, y, width] = await box.evaluate((li) => [
      Number((li as HTMLElement).dataset.x),
      Number((li as HTMLElement).dataset.y),
      Number((li as HTMLElement).dataset.width),
    ]);
    // The graph scrolls inside its stage (the canvas is sticky): bring the box's row into view, then click it.
    const scrollTop = await flame.locator('.rf-flame-stage').evaluate(
      (stage, top) => {
        stage.scrollTop = top;
        stage.dispatchEvent(new Event('scroll'));
        return stage.scrollTop;
      },
      Math.max(0, (y ?? 0) - 100),
    );
    const canvas = flame.locator('canvas');
    await canvas.scrollIntoViewIfNeeded();
    await canvas.click({ position: { x: (x ?? 0) + (width ?? 0) / 2, y: (y ?? 0) - scrollTop + 6 } });
    await toolbar.locator('[data-panel="flame-graph"] .rf-flame:not([data-zoom="0"])').waitFor();
    const zoomed = flame.locator('.rf-flame-a11y li[data-zoomed="1"]');
    assert.match(await zoomed.evaluate((li) => li.textContent ?? ''), /buildReport/);
    await flame.locator('.rf-flame-search').fill('buildReport');
    const result = flame.locator('.rf-flame-search-result');
    await toolbar.locator('[data-panel="flame-graph"] .rf-flame-search-result[data-matches]').waitFor();
    assert.ok(Number(await result.getAttribute('data-matches')) >= 1);
    assert.match(await result.innerText(), /\d+(?:\.\d)?% of total/);
    await toolbar.locator('.rf-viewing button').click();
    await toolbar.locator('.rf-viewing[hidden]').waitFor({ state: 'attached' });

    // A second call, made while the History tab is open, shows up live.
    await openTab(page, 'history');
    await page.locator('#fetch-report').click();
    await toolbar.locator('[data-ramflow="calls"]', { hasText: '+2 calls' }).waitFor();
    await toolbar.locator('[data-panel="history"] tr[data-relation="call"]').nth(1).waitFor();

    assert.deepEqual(await problems(), []);
    await page.close();
  });

  it('dashboard: history filters, the request page with every panel, compare, process', async () => {
    const page = await browser.newPage();
    const problems = await watch(page);
    const ids: string[] = [];
    for (const path of ['/api/report', '/api/ping']) {
      const response = await fetch(`${demo.baseUrl}${path}`);
      await response.arrayBuffer();
      ids.push(response.headers.get('x-ramflow-id') ?? '');
    }
    await page.goto(`${demo.baseUrl}/__ramflow/requests?q=%2Fapi%2Fping`);
    const rows = page.locator('.rf-history-table tbody tr:not(.rf-group)');
    await rows.first().waitFor();
    for (const text of await rows.allInnerTexts()) assert.match(text, /\/api\/ping/);

    await page.goto(`${demo.baseUrl}/__ramflow/requests/${ids[0]}`);
    for (const id of ['summary', 'allocations', 'flame-graph', 'heap-objects', 'downloads'])
      assert.equal(await page.locator(`section#${id}`).count(), 1, id);
    assert.match(await page.locator('#allocations table').first().innerText(), /buildReport/);
    assert.match(await page.locator('#downloads').innerText(), /pprof/);
    // The heap-objects panel of a request without snapshots says why, never zeros.
    assert.match(await page.locator('#heap-objects .rf-why-not').innerText(), /No heap objects/);

    await page.goto(`${demo.baseUrl}/__ramflow/compare?a=${ids[1]}&b=${ids[0]}`);
    assert.match(await page.locator('h1').innerText(), /Compare/);
    assert.match(await page.locator('.rf-compare').innerText(), /Allocated/);
    // The differential flame graph: widths from B (/api/report), buildReport's frames grew.
    await page.locator('.rf-flame[data-mode="diff"][data-rendered="1"]').waitFor({ state: 'attached' });
    assert.ok(
      (await page
        .locator('.rf-flame[data-mode="diff"] .rf-flame-a11y li', { hasText: 'buildReport' })
        .count()) > 0,
    );

    // "Open in speedscope": the speedscope package (a dev dependency here) is served from the base path.
    const speedscope = page.locator('#flame-graph .rf-flame-speedscope');
    await page.goto(`${demo.baseUrl}/__ramflow/requests/${ids[0]}`);
    const href = (await speedscope.getAttribute('href')) ?? '';
    assert.match(href, /^\/__ramflow\/speedscope\/#profileURL=/);
    const app = await fetch(`${demo.baseUrl}${href.split('#')[0]}`);
    assert.equal(app.status, 200);
    assert.match(await app.text(), /<title>speedscope<\/title>/);
    assert.equal((await fetch(`${demo.baseUrl}/__ramflow/speedscope/..%2Fpackage.json`)).status, 404);

    await page.goto(`${demo.baseUrl}/__ramflow/process`);
    assert.ok((await page.locator('svg').count()) > 0, 'the process page draws its timeline');
    assert.deepEqual(await problems(), []);
    await page.close();
  });
});

describe('the toolbar under hostile pages', {
  skip: skipWithoutChromium,
}, () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof listen>>;
  const NONCE = 'cmFtZmxvdy10ZXN0LW5vbmNl';
  // A handler whose function name is markup: V8 infers a function's name from the property it is assigned to
  // (`handlers.<img …>`), and the allocation profile reports that name.
  const EVIL = '<img src=x onerror=window.__xss=1>';
  const handlers: Record<string, () => unknown[]> = {};
  handlers['<img src=x onerror=window.__xss=1>'] = () => {
    const rows: { i: number; s: string }[] = [];
    for (let i = 0; i < 60_000; i++) rows.push({ i, s: `row-${i}-${'y'.repeat(40)}` });
    return rows;
  };
  const evil = handlers[EVIL] as () => unknown[];

  const PAGE = (head: string, body: string) =>
    `<!doctype html><html><head><meta charset="utf-8"><title>t</title>${head}</head><body>${body}<h1 id="title">Hello</h1><p id="text">Page text</p><button id="btn">Button</button><div id="box">box</div></body></html>`;

  before(async () => {
    const app = express();
    const middleware = ramflow({
      cspNonce: (_req, res) => (res as unknown as { locals?: { nonce?: string } }).locals?.nonce,
    });
    app.use(middleware);
    app.get('/csp', (_req, res) => {
      res.set('content-security-policy', "default-src 'self'");
      res.type('html').send(PAGE('', ''));
    });
    app.get('/nonce', (_req, res) => {
      res.locals.nonce = NONCE;
      res.set(
        'content-security-policy',
        `default-src 'none'; script-src 'nonce-${NONCE}'; style-src 'nonce-${NONCE}'; connect-src 'self'; img-src 'self' data:`,
      );
      res.type('html').send(PAGE(`<style nonce="${NONCE}">body { margin: 3px; }</style>`, ''));
    });
    app.get('/hostile', (_req, res) => {
      res
        .type('html')
        .send(PAGE('<style>* { all: unset !important; } div { display: none !important; }</style>', ''));
    });
    app.get('/plain', (_req, res) => {
      // Compared with and without the toolbar below.
      res.type('html').send(PAGE('<style>h1 { color: rgb(1, 2, 3); }</style>', ''));
    });
    app.get('/xss/:part', (_req, res) => {
      const rows = evil();
      res.type('html').send(PAGE('', `<p>${rows.length} rows</p>`));
    });
    app.get('/favicon.ico', (_req, res) => {
      res.status(204).end();
    });
    server = await listen(app, async () => {
      await middleware.ramflow.close();
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function everyTab(page: Page): Promise<void> {
    for (const tab of ['summary', 'allocations', 'flame-graph', 'heap-objects', 'process', 'history'])
      await openTab(page, tab);
  }

  it("a strict CSP ('self' only) and a nonce-only CSP: no violation, no console error, every tab works", async () => {
    for (const path of ['/csp', '/nonce']) {
      const page = await browser.newPage();
      const problems = await watch(page);
      await page.goto(`${server.baseUrl}${path}`);
      await page.locator('ramflow-toolbar[data-ramflow-settled="1"]').waitFor({ state: 'attached' });
      await everyTab(page);
      // The toolbar's own styles applied: the panel is a positioned, bordered box.
      const border = await page
        .locator('ramflow-toolbar')
        .locator('.rf-panel')
        .evaluate((el) => getComputedStyle(el).borderTopStyle);
      assert.equal(border, 'solid', `${path}: the toolbar stylesheet loaded`);
      assert.deepEqual(await problems(), [], path);
      await page.close();
    }
  });

  it("page CSS that restyles everything does not break the toolbar, and the toolbar's CSS leaves the page alone", async () => {
    const page = await browser.newPage();
    const problems = await watch(page);
    await page.goto(`${server.baseUrl}/hostile`);
    const badge = page.locator('ramflow-toolbar').locator('.rf-badge');
    await badge.waitFor({ state: 'visible' });
    const box = await badge.boundingBox();
    assert.ok(box && box.width > 40 && box.height > 10, JSON.stringify(box));
    await everyTab(page);
    const panel = page.locator('ramflow-toolbar').locator('.rf-panel');
    assert.ok(await panel.isVisible());
    const panelBox = await panel.boundingBox();
    assert.ok(panelBox && panelBox.width > 200, JSON.stringify(panelBox));
    assert.deepEqual(await problems(), []);

    // The same page with and without the toolbar: every page element computes the same style.
    const styles = async (url: string) => {
      await page.goto(url);
      return page.evaluate(() =>
        ['html', 'body', '#title', '#text', '#btn', '#box'].map((selector) => {
          const style = getComputedStyle(document.querySelector(selector) as Element);
          return [...style].map((name) => `${name}:${style.getPropertyValue(name)}`).join(';');
        }),
      );
    };
    const withToolbar = await styles(`${server.baseUrl}/plain`);
    assert.equal(await page.locator('ramflow-toolbar').count(), 1);
    const route = async (r: import('playwright-core').Route) => {
      const response = await r.fetch({ headers: { ...r.request().headers(), accept: 'application/json' } });
      await r.fulfill({ response, headers: { ...response.headers(), 'content-type': 'text/html' } });
    };
    // Without the toolbar: the same route asked for as JSON (ramflow injects only into HTML documents asked for as
    // HTML), shown as HTML.
    await page.route('**/plain', route);
    const withoutToolbar = await styles(`${server.baseUrl}/plain`);
    assert.equal(await page.locator('ramflow-toolbar').count(), 0);
    assert.deepEqual(withToolbar, withoutToolbar);
    await page.close();
  });

  it('XSS: markup in the path, query, headers and function names stays text in every panel and page', async () => {
    const page = await browser.newPage({
      userAgent: '<script>window.__xss=1</script>"onerror="window.__xss=1',
      extraHTTPHeaders: { referer: 'http://127.0.0.1/"><img src=x onerror=window.__xss=1>' },
    });
    const problems = await watch(page);
    const path = `/xss/${encodeURIComponent('<script>window.__xss=1</script>')}?q=${encodeURIComponent('"onerror="window.__xss=1')}`;
    const response = await page.goto(`${server.baseUrl}${path}`);
    const id = response?.headers()['x-ramflow-id'];
    assert.ok(id);
    await page.locator('ramflow-toolbar[data-ramflow-settled="1"]').waitFor({ state: 'attached' });
    await everyTab(page);
    const allocations = await openTab(page, 'allocations');
    await allocations.locator('.rf-filters a', { hasText: 'All frames' }).click();
    await page
      .locator('ramflow-toolbar')
      .locator('[data-panel="allocations"] .rf-filters a[aria-current="true"]', { hasText: 'All frames' })
      .waitFor();
    assert.match(
      await page.locator('ramflow-toolbar').locator('[data-panel="allocations"]').innerText(),
      /<img src=x onerror=window.__xss=1>/,
      'the function name is shown as text',
    );
    for (const url of [
      `/__ramflow/requests/${id}`,
      `/__ramflow/requests/${id}?frames=all`,
      '/__ramflow/requests',
      `/__ramflow/requests?q=${encodeURIComponent('<script>')}`,
      `/__ramflow/compare?a=${id}&b=${id.replace(/.$/, (c) => (c === '1' ? '2' : '1'))}`,
      '/__ramflow/process',
    ]) {
      await page.goto(`${server.baseUrl}${url}`);
      await page.waitForLoadState('load');
    }
    await page.goto(`${server.baseUrl}/__ramflow/requests/${id}?frames=all`);
    const text = await page.locator('main').innerText();
    assert.match(text, /<script>window.__xss=1<\/script>/, 'the path is shown as text');
    assert.match(text, /<img src=x onerror=window.__xss=1>/, 'the function name is shown as text');
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    assert.equal(await page.locator('main img, main script').count(), 0);
    // ramflow's own pages forbid inline script, so an injection would also show as a CSP violation.
    assert.deepEqual(
      (await problems()).filter((p) => !p.includes('404')),
      [],
    );
    await page.close();
  });
});

describe('panels whose backend did not run', {
  skip: skipWithoutChromium,
}, () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof listen>>;

  before(async () => {
    const app = buildApp({ ramflow: { memoryBackend: 'process' } });
    server = await listen(app, async () => {
      await (app.locals.ramflow as Ramflow).close();
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('say why, in the toolbar and on the request page, instead of showing zeros', async () => {
    const page = await browser.newPage();
    const problems = await watch(page);
    const response = await page.goto(`${server.baseUrl}/`);
    const id = response?.headers()['x-ramflow-id'];
    await page.locator('ramflow-toolbar[data-ramflow-settled="1"]').waitFor({ state: 'attached' });
    const reasons: Record<string, RegExp> = {
      allocations: /No allocation stacks: .*process/,
      'flame-graph': /No flame graph: .*process/,
      'heap-objects': /No heap objects: /,
    };
    for (const [tab, reason] of Object.entries(reasons)) {
      const body = await openTab(page, tab);
      const whyNot = body.locator('.rf-why-not').first();
      assert.match(await whyNot.innerText(), reason, tab);
      assert.equal(await body.locator('table, canvas').count(), 0, `${tab} draws no empty table or chart`);
    }
    await page.goto(`${server.baseUrl}/__ramflow/requests/${id}`);
    for (const [section, reason] of Object.entries(reasons))
      assert.match(await page.locator(`#${section} .rf-why-not`).first().innerText(), reason, section);
    assert.match(await page.locator('#downloads').innerText(), /process/);
    assert.deepEqual(await problems(), []);
    await page.close();
  });
});
