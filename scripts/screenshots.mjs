// Takes the README's screenshots from the demo: the Express example with ramflow on, driven by Debian's Chromium.
//
//   npm run build && node scripts/screenshots.mjs        # writes docs/screenshots/*.png
//
// Every picture is of real data: the demo's own requests, profiled as they happen.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'docs', 'screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  return port;
}

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const child = spawn(process.execPath, ['--import', 'tsx', 'examples/express/src/server.ts'], {
  cwd: root,
  env: { ...process.env, PORT: String(port), NODE_ENV: 'development' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
await new Promise((resolve, reject) => {
  child.stdout.on('data', (data) => {
    if (String(data).includes('http://')) resolve();
  });
  child.once('exit', (code) => reject(new Error(`the demo exited with ${code}`)));
});

mkdirSync(out, { recursive: true });
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  const shot = async (name, options = {}) => {
    await page.screenshot({ path: join(out, `${name}.png`), ...options });
    console.log(`docs/screenshots/${name}.png`);
  };
  // Warm up, so the pictures show steady-state figures rather than first-request lazy loading.
  for (let i = 0; i < 3; i++) await (await fetch(`${base}/api/report`)).arrayBuffer();

  await page.goto(`${base}/`);
  const toolbar = page.locator('ramflow-toolbar');
  await page.locator('ramflow-toolbar[data-ramflow-settled="1"]').waitFor({ state: 'attached' });
  await toolbar.locator('[data-ramflow="calls"]:not([hidden])').waitFor({ state: 'attached' });
  await toolbar.locator('.rf-badge').click();
  await toolbar.locator('[data-panel="summary"][data-loaded="1"]').waitFor({ state: 'attached' });
  await shot('toolbar-summary');

  // The page's fetch('/api/report'), opened from the History tab, and its flame graph.
  await toolbar.locator('[role="tab"][data-tab="history"]').click();
  const call = toolbar.locator('[data-panel="history"] tr[data-relation="call"] [data-rf-switch]').first();
  await call.waitFor();
  await shot('toolbar-history');
  await call.click();
  await toolbar.locator('[role="tab"][data-tab="flame-graph"]').click();
  await toolbar
    .locator('[data-panel="flame-graph"] .rf-flame[data-rendered="1"]')
    .waitFor({ state: 'attached' });
  await toolbar.locator('[data-panel="flame-graph"] .rf-flame-search').fill('buildReport');
  await page.waitForTimeout(200);
  await shot('toolbar-flame-graph');
  await toolbar.locator('[role="tab"][data-tab="allocations"]').click();
  await toolbar.locator('[data-panel="allocations"][data-loaded="1"]').waitFor({ state: 'attached' });
  await shot('toolbar-allocations');

  // The dashboard: the call's request page, a leak found by heap snapshots, the process view, the history.
  const id = await call.getAttribute('data-rf-switch');
  await page.goto(`${base}/__ramflow/requests/${id}`);
  await page.locator('#flame-graph .rf-flame[data-rendered="1"]').waitFor({ state: 'attached' });
  await shot('dashboard-request', { fullPage: true });

  for (let i = 0; i < 2; i++) await (await fetch(`${base}/leak`)).arrayBuffer();
  const leak = await fetch(`${base}/leak?ramflow=snapshot`);
  await leak.arrayBuffer();
  await page.goto(`${base}/__ramflow/requests/${leak.headers.get('x-ramflow-id')}`);
  await page.locator('#heap-objects').scrollIntoViewIfNeeded();
  await shot('dashboard-heap-objects', {
    clip: await page.locator('#heap-objects').boundingBox(),
  });

  await page.goto(`${base}/__ramflow/process`);
  await shot('dashboard-process', { fullPage: true });
  await page.goto(`${base}/__ramflow/requests`);
  await shot('dashboard-history');
} finally {
  await browser.close();
  child.kill('SIGTERM');
}
