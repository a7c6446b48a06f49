/**
 * DNS rebinding and drive-by requests, in a real browser: a page on another domain that resolves to this machine
 * reads nothing of ramflow's, and an image on another site cannot make the app take heap snapshots.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Ramflow, RequestRecord } from '@ramflow/core';
import type { Browser } from 'playwright-core';
import { launchChromium, skipWithoutChromium } from '../../../packages/core/test/helpers/chromium.js';
import { listen } from '../../../packages/express/test/conformance-app.js';
import { buildApp } from '../src/app.js';

describe('examples/express against a DNS-rebinding page in Chromium', { skip: skipWithoutChromium }, () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof listen>>;
  let core: Ramflow;
  let port: string;

  before(async () => {
    const app = buildApp({ ramflow: { memoryBackend: 'process' } });
    core = app.locals.ramflow as Ramflow;
    server = await listen(app, () => core.close());
    port = new URL(server.baseUrl).port;
    // evil.example resolves to this machine: what a rebinding attack achieves after its first lookup.
    browser = await launchChromium(['--host-resolver-rules=MAP evil.example 127.0.0.1']);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it("a page of evil.example on the app's port gets no toolbar and reads neither records nor the action token", async () => {
    // ramflow's data and token exist: the same reads from the app's own origin succeed.
    const own = await browser.newPage();
    await own.goto(`${server.baseUrl}/`);
    await own.locator('ramflow-toolbar').waitFor({ state: 'attached' });
    const ownReads = await own.evaluate(async () => ({
      api: (await fetch('/__ramflow/api/requests')).status,
      process: await (await fetch('/__ramflow/process')).text(),
    }));
    assert.equal(ownReads.api, 200);
    const token = /name="token" value="([0-9a-f]+)"/.exec(ownReads.process)?.[1];
    assert.ok(token, 'the Process page holds the token for its own origin');
    await own.close();

    const evil = await browser.newPage();
    const response = await evil.goto(`http://evil.example:${port}/`);
    assert.equal(response?.status(), 200, 'the app itself still answers');
    assert.equal(await evil.locator('ramflow-toolbar').count(), 0, 'no toolbar for a foreign Host');
    const attack = await evil.evaluate(async (stolenToken) => {
      const api = await fetch('/__ramflow/api/requests');
      const processPage = await fetch('/__ramflow/process');
      const audit = await fetch('/__ramflow/api/process/audit', {
        method: 'POST',
        headers: { 'x-ramflow-token': stolenToken },
      });
      const timing = (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming)
        .serverTiming;
      return {
        api: api.status,
        apiBody: await api.text(),
        processBody: await processPage.text(),
        audit: audit.status,
        serverTiming: timing.map((entry) => entry.name),
        id: api.headers.get('x-ramflow-id'),
      };
    }, token);
    assert.equal(attack.api, 404);
    assert.doesNotMatch(attack.apiBody, /"requests"/);
    assert.doesNotMatch(attack.processBody, /name="token"/);
    assert.equal(attack.audit, 404, 'the audit is not even there for a foreign Host');
    assert.deepEqual(attack.serverTiming, []);
    assert.equal(attack.id, null);
    await evil.close();
  });

  it('an <img> on another site asking for ?ramflow=snapshot makes no snapshot; the record says why', async () => {
    const evil = await browser.newPage();
    await evil.goto(`http://evil.example:${port}/`);
    const loaded = await evil.evaluate(
      (target) =>
        new Promise<string>((resolve) => {
          const image = new Image();
          image.onload = () => resolve('load');
          image.onerror = () => resolve('error');
          image.src = target;
        }),
      `http://127.0.0.1:${port}/api/report?ramflow=snapshot&drive-by=1`,
    );
    assert.equal(loaded, 'error', 'the JSON answer is no image');
    await evil.close();
    await core.flush();
    const summaries = await core.store.list();
    const summary = summaries.find((entry) => entry.url.includes('drive-by=1'));
    assert.ok(summary, 'the drive-by request was profiled (from a loopback Host)');
    const record = (await core.store.get(summary.id)) as RequestRecord;
    assert.equal(record.heap, undefined);
    assert.match(record.heapUnavailable ?? '', /came from another site \(Sec-Fetch-Site: cross-site\)/);
  });
});
