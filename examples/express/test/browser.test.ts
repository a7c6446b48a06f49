import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Ramflow } from '@ramflow/core';
import type { Browser } from 'playwright-core';
import { launchChromium, skipWithoutChromium } from '../../../packages/core/test/helpers/chromium.js';
import { listen } from '../../../packages/express/test/conformance-app.js';
import { buildApp } from '../src/app.js';

describe('examples/express in Chromium', {
  skip: skipWithoutChromium,
}, () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof listen>>;
  let profileDir: string;

  before(async () => {
    const app = buildApp({ ramflow: {} });
    server = await listen(app, async () => {
      await (app.locals.ramflow as Ramflow).close();
    });
    profileDir = mkdtempSync(join(tmpdir(), 'ramflow-chromium-'));
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  it('shows the badge inside a shadow root and exposes ramflow metrics through Server-Timing', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${server.baseUrl}/`);
    const badge = page.locator('ramflow-toolbar').locator('.rf-badge');
    await badge.waitFor();
    const inShadow = await page.evaluate(() => {
      const host = document.querySelector('ramflow-toolbar');
      return (
        Boolean(host?.shadowRoot?.querySelector('.rf-badge')) && document.querySelector('.rf-badge') === null
      );
    });
    assert.ok(inShadow, 'the badge lives in the shadow root, not in the page DOM');
    assert.match(await badge.innerText(), /RAM\s+~?[+-]?[\d.]+ (?:B|KB|MB)\s+·\s+[\d.]+ (?:B|KB|MB) alloc/);

    const timing = await page.evaluate(() =>
      (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).serverTiming.map(
        (entry) => ({
          name: entry.name,
          duration: entry.duration,
          description: entry.description,
        }),
      ),
    );
    const names = timing.map((entry) => entry.name);
    assert.ok(
      names.includes('ramflow') && names.includes('heap') && names.includes('alloc'),
      JSON.stringify(timing),
    );
    const heap = timing.find((entry) => entry.name === 'heap');
    assert.match(heap?.description ?? '', /^[+-]?[\d.]+ (?:B|KB|MB)|^0 B/);

    // The script swaps the header-time figures for the settled record's, and fills the Summary panel from it.
    await page.locator('ramflow-toolbar[data-ramflow-settled="1"]').waitFor({ state: 'attached' });
    assert.doesNotMatch(await badge.innerText(), />=/, 'settled figures are exact, not lower bounds');

    // The panel opens from the keyboard and shows the summary.
    await badge.focus();
    await page.keyboard.press('Enter');
    const panel = page.locator('ramflow-toolbar').locator('.rf-panel');
    await panel.waitFor({ state: 'visible' });
    assert.match(await panel.innerText(), /Allocated/);
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'hidden' });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("offers heap snapshots from the toolbar, and the reloaded page's toolbar reports what stayed alive", async () => {
    const page = await browser.newPage();
    // Two snapshots and their analysis: seconds on a loaded 2-core machine running the other suites' snapshots too.
    page.setDefaultTimeout(90_000);
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${server.baseUrl}/`);
    const toolbar = page.locator('ramflow-toolbar');
    await page.locator('ramflow-toolbar[data-ramflow-settled="1"]').waitFor({ state: 'attached' });
    await toolbar.locator('.rf-badge').click();
    const action = toolbar.locator('[data-panel="summary"] .rf-actions a');
    await action.waitFor({ state: 'visible' });
    assert.equal(await action.getAttribute('href'), '/?ramflow=snapshot');
    await Promise.all([page.waitForURL(/\?ramflow=snapshot$/), action.click()]);
    await page.locator('ramflow-toolbar[data-ramflow-settled="1"]').waitFor({ state: 'attached' });
    await toolbar.locator('.rf-badge').click();
    const panel = toolbar.locator('.rf-panel');
    await panel.waitFor({ state: 'visible' });
    assert.match(await panel.innerText(), /Heap snapshot\s+\d+ new live objects?/);
    assert.equal(
      await toolbar.locator('[data-panel="summary"] .rf-actions').count(),
      0,
      'no second offer once snapshots were taken',
    );
    assert.deepEqual(errors, []);
    await page.close();
  });
});
