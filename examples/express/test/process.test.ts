/**
 * Process insights through real Express over HTTP: the demo's /leak rated a likely leak and named, /api/report
 * not; the documented JSON at /__ramflow/api/process; the integrity audit behind the per-process token; the
 * Process page and the toolbar's compact view.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { Ramflow } from '@ramflow/core';
import { rawRequest, serveOnLoopback } from '@ramflow/core/testing';
import { buildApp } from '../src/app.js';

async function startDemo() {
  const app = buildApp({
    ramflow: { memoryBackend: 'process', logger: { info() {}, warn() {}, error() {} } },
  });
  const core = app.locals.ramflow as Ramflow;
  const server = await serveOnLoopback(app, () => core.close());
  return { ...server, core };
}

/** 200 calls one after the other, with a short pause between them as a person or a slow client would leave. */
async function call200(baseUrl: string, path: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const response = await rawRequest(baseUrl, path);
    assert.equal(response.status, 200);
    await delay(15);
  }
}

describe('process insights', () => {
  const servers: Array<{ close(): Promise<void> }> = [];
  after(async () => {
    for (const server of servers) await server.close();
  });

  it('rates /api/report x200 low', async () => {
    const demo = await startDemo();
    servers.push(demo);
    await call200(demo.baseUrl, '/api/report');
    await demo.core.flush();
    const report = await (await fetch(`${demo.baseUrl}/__ramflow/api/process`)).json();
    assert.equal(report.leak.probability, 'low', report.leak.evidence);
    assert.ok(report.leak.points.length >= 5, `${report.leak.points.length} points`);
  });

  it('rates /leak x200 high and names /leak', async () => {
    const demo = await startDemo();
    servers.push(demo);
    await call200(demo.baseUrl, '/leak');
    await demo.core.flush();
    const report = await (await fetch(`${demo.baseUrl}/__ramflow/api/process`)).json();
    assert.equal(report.leak.probability, 'high', report.leak.evidence);
    assert.equal(report.leak.routes[0]?.route, 'GET /leak');
    assert.ok(report.leak.slopeBytesPerRequest > 500_000, `slope ${report.leak.slopeBytesPerRequest}`);
  });

  it('serves the documented JSON, the Process page, and the toolbar’s compact view', async () => {
    const demo = await startDemo();
    servers.push(demo);
    // The process view is the process's, shared by every ramflow instance in it (this file starts several).
    const before = (await (await fetch(`${demo.baseUrl}/__ramflow/api/process`)).json()).allocationRate
      .requests;
    const page = await rawRequest(demo.baseUrl, '/', { headers: { accept: 'text/html' } });
    await rawRequest(demo.baseUrl, '/api/report');
    await demo.core.flush();
    const report = await (await fetch(`${demo.baseUrl}/__ramflow/api/process`)).json();
    const { memory } = report;
    assert.ok(memory.rssBytes > 0 && memory.peakRssBytes >= memory.rssBytes * 0.5);
    assert.equal(memory.suggestedLimitBytes, Math.ceil((memory.peakRssBytes * 1.2) / 1048576) * 1048576);
    assert.ok(memory.safetyMargin.limitBytes > 0);
    assert.equal(
      memory.safetyMargin.freeBytes,
      memory.safetyMargin.limitBytes - memory.safetyMargin.rssBytes,
    );
    assert.ok(
      ['cgroup v2', 'cgroup v1', 'process.constrainedMemory', 'host memory'].includes(
        memory.safetyMargin.limitSource,
      ),
    );
    assert.ok(report.heap.spaces.some((space: { name: string }) => space.name === 'old_space'));
    assert.ok(report.timeline.samples.length >= 1);
    assert.ok(report.timeline.marks.some((mark: { kind: string }) => mark.kind === 'request'));
    // Recent requests, bounded (RATE_WINDOW): these two among them.
    assert.equal(report.allocationRate.requests, Math.min(256, before + 2));
    assert.equal(report.bootstrap.source, 'ramflow-import');

    const html = await (await fetch(`${demo.baseUrl}/__ramflow/process`)).text();
    assert.match(html, /Safety margin/);
    assert.match(html, /Leak probability/);
    const token = /name="token" value="([0-9a-f]{32})"/.exec(html)?.[1];
    assert.ok(token, 'the page carries the action token');

    // The audit is state-changing: no token, no audit.
    const refused = await fetch(`${demo.baseUrl}/__ramflow/api/process/audit`, { method: 'POST' });
    assert.equal(refused.status, 403);
    const audited = await fetch(`${demo.baseUrl}/__ramflow/api/process/audit`, {
      method: 'POST',
      headers: { 'x-ramflow-token': token },
    });
    assert.equal(audited.status, 200);
    const audit = await audited.json();
    assert.ok(audit.verdict === 'SECURE' || audit.verdict === 'BLOATED');
    assert.equal(audit.residualBytes, audit.heapUsedBytes - audit.baselineHeapBytes);
    const viaForm = await fetch(`${demo.baseUrl}/__ramflow/api/process/audit`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${token}`,
      redirect: 'manual',
    });
    assert.equal(viaForm.status, 303);
    assert.equal(viaForm.headers.get('location'), '/__ramflow/process');
    assert.match(
      await (await fetch(`${demo.baseUrl}/__ramflow/process`)).text(),
      /Integrity: (SECURE|BLOATED)/,
    );

    const toolbar = await (
      await fetch(`${demo.baseUrl}/__ramflow/api/requests/${page.headers['x-ramflow-id']}/toolbar`)
    ).json();
    assert.match(toolbar.summaryHtml, /Process<\/a>/);
    assert.match(toolbar.summaryHtml, /leak probability/);
  });
});
