/**
 * The request lifecycle of createRamflow driven directly on node:http, the way every adapter drives it: options
 * that change what a response gets, the history bound, overlap accounting, and failures inside ramflow.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createRamflow } from '../src/ramflow.js';
import { parseServerTiming, rawRequest } from '../src/testing/index.js';
import { sharedTemplates } from '../src/toolbar/templates.js';
import type { RamflowLogger, RamflowOptions } from '../src/types.js';
import { type Harness, HTML, harness, PAGE } from './helpers/node-harness.js';

const quiet: RamflowLogger = { info() {}, warn() {}, error() {} };
const open: Harness[] = [];
after(async () => {
  for (const h of open) await h.close();
});
async function start(options: RamflowOptions, handler?: Parameters<typeof harness>[1]): Promise<Harness> {
  const h = await harness({ logger: quiet, ...options }, handler);
  open.push(h);
  return h;
}

describe('createRamflow lifecycle options', () => {
  it('cspNonce puts the nonce on the toolbar script and stylesheet', async () => {
    const h = await start({ cspNonce: () => 'r4nd0mNonce' });
    const body = (await rawRequest(h.url, '/', { headers: HTML })).body.toString();
    assert.match(body, /<script src="\/__ramflow\/assets\/toolbar\.js" defer nonce="r4nd0mNonce"><\/script>/);
    assert.match(
      body,
      /<link rel="stylesheet" href="\/__ramflow\/assets\/toolbar\.css" nonce="r4nd0mNonce">/,
    );
  });

  it('a nonce that is not base64-ish is dropped rather than echoed into the page', async () => {
    const h = await start({ cspNonce: () => '"><script>alert(1)</script>' });
    const body = (await rawRequest(h.url, '/', { headers: HTML })).body.toString();
    assert.doesNotMatch(body, /alert\(1\)/);
    assert.doesNotMatch(body, /nonce=/);
  });

  it('a cspNonce that throws is logged once; the page still gets the toolbar', async () => {
    const errors: string[] = [];
    const h = await start({
      cspNonce: () => {
        throw new Error('nonce store down');
      },
      logger: { ...quiet, error: (m) => errors.push(m) },
    });
    for (let i = 0; i < 3; i++) {
      const res = await rawRequest(h.url, '/', { headers: HTML });
      assert.equal(res.status, 200);
      assert.match(res.body.toString(), /<ramflow-toolbar /);
    }
    assert.equal(errors.filter((m) => m.includes('nonce store down')).length, 1);
  });

  it('serverTiming: ["alloc"] sends only ramflow and alloc; false sends no Server-Timing but keeps the id headers', async () => {
    const some = await start({ serverTiming: ['alloc'] });
    const names = parseServerTiming((await rawRequest(some.url, '/')).headers['server-timing'] as string).map(
      (m) => m.name,
    );
    assert.deepEqual(names, ['ramflow', 'alloc']);
    const none = await start({ serverTiming: false });
    const res = await rawRequest(none.url, '/');
    assert.equal(res.headers['server-timing'], undefined);
    assert.ok(res.headers['x-ramflow-id']);
  });

  it('toolbar: false never injects', async () => {
    const h = await start({ toolbar: false });
    const res = await rawRequest(h.url, '/', { headers: HTML });
    assert.equal(res.body.toString(), PAGE);
    assert.ok(res.headers['x-ramflow-id']);
  });

  it('ignore skips matching paths; static assets are ignored by default', async () => {
    const h = await start({ ignore: ['/health', /\.txt$/] });
    for (const path of ['/health', '/health/deep', '/notes.txt']) {
      assert.equal((await rawRequest(h.url, path)).headers['x-ramflow-id'], undefined, path);
    }
    assert.ok((await rawRequest(h.url, '/other')).headers['x-ramflow-id']);
    const defaults = await start({});
    assert.equal((await rawRequest(defaults.url, '/app.css')).headers['x-ramflow-id'], undefined);
    assert.equal((await rawRequest(defaults.url, '/favicon.ico')).headers['x-ramflow-id'], undefined);
  });

  it('a custom basePath moves the dashboard, the link and the assets', async () => {
    const h = await start({ basePath: '/_debug/memory' });
    const res = await rawRequest(h.url, '/', { headers: HTML });
    assert.match(String(res.headers['x-ramflow-link']), /\/_debug\/memory\/requests\//);
    assert.match(res.body.toString(), /src="\/_debug\/memory\/assets\/toolbar\.js"/);
    assert.equal((await rawRequest(h.url, '/_debug/memory')).status, 200);
    assert.equal((await rawRequest(h.url, '/_debug/memory/assets/toolbar.js')).status, 200);
  });

  it('enabled as a function decides per request', async () => {
    const h = await start({ enabled: (request) => !request.url.startsWith('/private') });
    assert.equal((await rawRequest(h.url, '/private/x')).headers['x-ramflow-id'], undefined);
    assert.ok((await rawRequest(h.url, '/public')).headers['x-ramflow-id']);
  });

  it('a Host header that is not host[:port] gives a relative X-Ramflow-Link (with any Host allowed)', async () => {
    const h = await start({ allowedHosts: true });
    const res = await rawRequest(h.url, '/', { headers: { host: 'evil.example"><script>' } });
    assert.match(String(res.headers['x-ramflow-link']), /^\/__ramflow\/requests\/[0-9a-f]{8}-[0-9a-z]+$/);
  });

  it('the history keeps at most historySize records, newest first', async () => {
    const h = await start({ historySize: 3 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await rawRequest(h.url, `/n${i}`)).headers['x-ramflow-id'] as string);
    const list = JSON.parse((await rawRequest(h.url, '/__ramflow/api/requests')).body.toString());
    assert.deepEqual(
      list.requests.map((r: { id: string }) => r.id),
      ids.slice(2).reverse(),
    );
    assert.equal((await rawRequest(h.url, `/__ramflow/api/requests/${ids[0]}`)).status, 404);
  });

  it('overlapping requests are flagged shared with the right count; a lone one is exclusive', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let arrived = 0;
    const h = await start({}, async (req) => {
      if (req.url?.startsWith('/slow')) {
        arrived++;
        await gate;
      }
    });
    const pending = [rawRequest(h.url, '/slow1'), rawRequest(h.url, '/slow2'), rawRequest(h.url, '/slow3')];
    while (arrived < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    release();
    const responses = await Promise.all(pending);
    for (const res of responses) {
      const record = JSON.parse(
        (await rawRequest(h.url, `/__ramflow/api/requests/${res.headers['x-ramflow-id']}`)).body.toString(),
      );
      assert.deepEqual(record.concurrency, { exclusive: false, overlapping: 2 });
      assert.match(String(res.headers['server-timing']), /shared with 2 overlapping/);
    }
    const lone = await rawRequest(h.url, '/alone');
    const record = JSON.parse(
      (await rawRequest(h.url, `/__ramflow/api/requests/${lone.headers['x-ramflow-id']}`)).body.toString(),
    );
    assert.deepEqual(record.concurrency, { exclusive: true, overlapping: 0 });
  });

  it('records carry only non-secret request headers', async () => {
    const h = await start({});
    const res = await rawRequest(h.url, '/', {
      headers: { cookie: 'session=secret', authorization: 'Bearer token', 'user-agent': 'test-agent' },
    });
    const record = JSON.parse(
      (await rawRequest(h.url, `/__ramflow/api/requests/${res.headers['x-ramflow-id']}`)).body.toString(),
    );
    assert.equal(record.request.headers['user-agent'], 'test-agent');
    assert.equal(record.request.headers.cookie, undefined);
    assert.equal(record.request.headers.authorization, undefined);
  });

  it('the toolbar endpoint returns the settled figures, formatted, with the Summary panel', async () => {
    const h = await start({});
    const res = await rawRequest(h.url, '/', { headers: HTML });
    const data = JSON.parse(
      (
        await rawRequest(h.url, `/__ramflow/api/requests/${res.headers['x-ramflow-id']}/toolbar`)
      ).body.toString(),
    );
    assert.match(data.heapDelta, /^~(?:[+-][\d.]+ (?:B|KB|MB)|0 B)$/);
    assert.match(data.allocated, /^[\d.]+ (?:B|KB|MB)$/);
    assert.match(data.summaryHtml, /Allocated/);
  });
});

describe('off because of NODE_ENV: one log line says so and how to turn it on', () => {
  const cases: Array<[string, RegExp]> = [
    ['production', /off with NODE_ENV=production: .*`enabled: true` with `allow: \(request\) => …`/],
    ['test', /off under NODE_ENV=test .*`enabled: true`/],
  ];
  for (const [environment, expected] of cases) {
    it(`NODE_ENV=${environment}, no options`, async () => {
      const previous = process.env.NODE_ENV;
      process.env.NODE_ENV = environment;
      const lines: string[] = [];
      const logger: RamflowLogger = {
        info: (message) => lines.push(message),
        warn: (message) => lines.push(message),
        error: (message) => lines.push(message),
      };
      try {
        const ramflow = createRamflow({ logger });
        assert.equal(ramflow.options.enabled, false);
        assert.equal(lines.length, 1, lines.join('\n'));
        assert.match(lines[0] as string, expected);
        await ramflow.close();
        // Turned off by the app itself: nothing to explain.
        createRamflow({ logger, enabled: false });
        assert.equal(lines.length, 1);
      } finally {
        if (previous === undefined) delete process.env.NODE_ENV;
        else process.env.NODE_ENV = previous;
      }
    });
  }
});

describe('templates are compiled once per process, not once per instance', () => {
  it('a second instance injects its toolbar without compiling anything', async () => {
    const first = await harness({ logger: quiet, memoryBackend: 'process' });
    open.push(first);
    const page = await rawRequest(first.url, '/page', { headers: HTML });
    assert.match(page.body.toString(), /<ramflow-toolbar/);
    const compiled = sharedTemplates().compiledCount;
    assert.ok(compiled > 0, 'the first instance compiled the toolbar');
    const second = await harness({ logger: quiet, memoryBackend: 'process' });
    open.push(second);
    const again = await rawRequest(second.url, '/page', { headers: HTML });
    assert.match(again.body.toString(), /<ramflow-toolbar/);
    assert.equal(sharedTemplates().compiledCount, compiled);
  });
});
