import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { AdapterConformanceSuiteOptions } from './conformance.js';
import {
  BROWSER,
  comparableHeaders,
  count,
  RAMFLOW_HEADERS,
  type SharedServers,
  waitForRecord,
} from './conformance-shared.js';
import { fixtures } from './fixtures.js';
import { parseServerTiming, rawRequest, readThenHangUp, stripToolbar, TOOLBAR_OPEN } from './http.js';

/**
 * What every response gets, or does not, through the adapter: the headers, the toolbar, byte-for-byte pass-through,
 * the figures, the records and the dashboard, and nothing at all where ramflow must stay invisible.
 */
export function defineResponseTests(
  servers: SharedServers,
  createServer: AdapterConformanceSuiteOptions['createServer'],
): void {
  it('adds a valid Server-Timing header with the heap delta, and X-Ramflow-Id / X-Ramflow-Link', async () => {
    const res = await rawRequest(servers.withRamflow.baseUrl, fixtures.text.path);
    assert.equal(res.status, 200);
    const header = res.headers['server-timing'];
    assert.equal(typeof header, 'string', 'Server-Timing header missing');
    const metrics = parseServerTiming(header as string);
    const own = metrics.find((m) => m.name === 'ramflow');
    assert.ok(own, 'ramflow metric missing');
    assert.match(own.params.dur ?? '', /^\d+(\.\d+)?$/);
    const heap = metrics.find((m) => m.name === 'heap');
    assert.match(heap?.params.desc ?? '', /^(?:[+-]\d+(\.\d)? (?:B|KB|MB|GB)|0 B)/);
    const id = res.headers['x-ramflow-id'] as string;
    assert.match(id, /^[0-9a-f]{8}-[0-9a-z]+$/);
    const link = new URL(res.headers['x-ramflow-link'] as string);
    assert.equal(link.pathname, `/__ramflow/requests/${id}`);
    assert.equal(link.origin, servers.withRamflow.baseUrl);
    assert.equal(res.body.toString(), fixtures.text.body);
  });

  it('injects the toolbar exactly once before </body>, fixes Content-Length, keeps the rest identical', async () => {
    const res = await rawRequest(servers.withRamflow.baseUrl, fixtures.page.path, { headers: BROWSER });
    const plain = await rawRequest(servers.without.baseUrl, fixtures.page.path, { headers: BROWSER });
    const body = res.body.toString('utf8');
    assert.equal(count(body, TOOLBAR_OPEN), 1);
    assert.ok(body.indexOf(TOOLBAR_OPEN) < body.lastIndexOf('</body>'), 'toolbar must precede </body>');
    assert.equal(Number(res.headers['content-length']), res.body.length);
    assert.equal(stripToolbar(body), plain.body.toString('utf8'));
    assert.equal(plain.body.toString('utf8'), fixtures.page.body);
  });

  it('shows one set of figures: Server-Timing, the badge and the request page agree on the header-time figure', async () => {
    const res = await rawRequest(servers.withRamflow.baseUrl, fixtures.page.path, { headers: BROWSER });
    const alloc = parseServerTiming(res.headers['server-timing'] as string).find((m) => m.name === 'alloc');
    const figure = /^(at least )?(.+) allocated by the headers$/.exec(alloc?.params.desc ?? '');
    assert.ok(figure, `Server-Timing says what its figure is: ${alloc?.params.desc}`);
    // As Handlebars escapes it: a lower bound reads `>=`, which the markup holds as `&gt;&#x3D;`.
    const shown = `${figure[1] ? '&gt;&#x3D;' : ''}${figure[2]}`.replace(/[.]/g, '\\.');
    assert.match(res.body.toString(), new RegExp(`data-ramflow="allocated">${shown} alloc<`));
    const id = res.headers['x-ramflow-id'] as string;
    const record = JSON.parse((await waitForRecord(servers.withRamflow.baseUrl, id)).body.toString());
    assert.equal(typeof record.memory.atHeaders?.allocatedBytes, 'number');
    const page = (await rawRequest(servers.withRamflow.baseUrl, `/__ramflow/requests/${id}`)).body.toString();
    assert.match(page, new RegExp(`<dt>At the headers</dt><dd><span class="rf-value">${shown}<`));
  });

  it('appends the toolbar to HTML without </body>', async () => {
    const res = await rawRequest(servers.withRamflow.baseUrl, fixtures.fragment.path, { headers: BROWSER });
    const body = res.body.toString('utf8');
    assert.equal(count(body, TOOLBAR_OPEN), 1);
    assert.ok(body.startsWith(fixtures.fragment.body));
    assert.equal(Number(res.headers['content-length']), res.body.length);
  });

  it('does not inject into HTML fetched by scripts or API clients (Accept without text/html)', async () => {
    const res = await rawRequest(servers.withRamflow.baseUrl, fixtures.page.path, {
      headers: { accept: '*/*' },
    });
    assert.equal(res.body.toString(), fixtures.page.body);
    const id = res.headers['x-ramflow-id'] as string;
    assert.ok(id, 'still profiled');
    const record = JSON.parse((await waitForRecord(servers.withRamflow.baseUrl, id)).body.toString());
    assert.match(record.response.notInjected, /^not a browser navigation: /);
    const page = (await rawRequest(servers.withRamflow.baseUrl, `/__ramflow/requests/${id}`)).body.toString();
    assert.match(page, /no toolbar: not a browser navigation: /);
  });

  const untouched: Array<[string, string, RegExp, Record<string, string>?, string?]> = [
    ['JSON', fixtures.json.path, /^not HTML \(Content-Type: application\/json\)$/, BROWSER],
    [
      'gzip-encoded HTML',
      fixtures.gzip.path,
      /^compressed \(Content-Encoding: gzip\)/,
      { ...BROWSER, 'accept-encoding': 'gzip' },
    ],
    ['streamed (chunked) HTML', fixtures.stream.path, /^streamed: /, BROWSER],
    ['HEAD of an HTML page', fixtures.page.path, /^a HEAD request/, BROWSER, 'HEAD'],
    ['204', fixtures.empty.path, /^status 204: /, BROWSER],
    ['304', fixtures.etag.path, /^status 304: /, { ...BROWSER, 'if-none-match': fixtures.etag.etag }],
    ['a handler that throws', fixtures.throws.path, /^status 500: /, BROWSER],
  ];
  for (const [label, path, why, headers, method] of untouched) {
    it(`passes ${label} through byte for byte, with the same status and headers, and records why`, async () => {
      const init = { method: method ?? 'GET', headers: headers ?? {} };
      const res = await rawRequest(servers.withRamflow.baseUrl, path, init);
      const plain = await rawRequest(servers.without.baseUrl, path, init);
      assert.equal(res.status, plain.status);
      assert.deepEqual(res.body, plain.body, 'body differs');
      assert.deepEqual(comparableHeaders(res.headers), comparableHeaders(plain.headers));
      const id = res.headers['x-ramflow-id'] as string;
      assert.ok(id, 'profiled responses carry X-Ramflow-Id');
      const record = JSON.parse((await waitForRecord(servers.withRamflow.baseUrl, id)).body.toString());
      assert.equal(record.response.injected, false);
      assert.match(record.response.notInjected, why);
    });
  }

  it('injects into a page sent as a stream with a known length (a static file), fixing its headers', async () => {
    const res = await rawRequest(servers.withRamflow.baseUrl, fixtures.file.path, { headers: BROWSER });
    const body = res.body.toString('utf8');
    assert.equal(res.status, 200);
    assert.equal(count(body, TOOLBAR_OPEN), 1, `one toolbar: ${body.slice(0, 200)}`);
    assert.equal(stripToolbar(body), fixtures.file.body);
    assert.equal(Number(res.headers['content-length']), res.body.length);
    // A page that now differs per request must not be revalidated into a stale toolbar.
    assert.equal(res.headers.etag, undefined);
    assert.equal(res.headers['last-modified'], undefined);
    const record = JSON.parse(
      (
        await waitForRecord(servers.withRamflow.baseUrl, res.headers['x-ramflow-id'] as string)
      ).body.toString(),
    );
    assert.equal(record.response.injected, true);
    assert.equal(record.response.notInjected, undefined);
  });

  it('passes the same static page to API clients byte for byte, validators included', async () => {
    const init = { headers: { accept: '*/*' } };
    const res = await rawRequest(servers.withRamflow.baseUrl, fixtures.file.path, init);
    const plain = await rawRequest(servers.without.baseUrl, fixtures.file.path, init);
    assert.deepEqual(res.body, plain.body);
    assert.equal(res.body.toString(), fixtures.file.body);
    assert.deepEqual(comparableHeaders(res.headers), comparableHeaders(plain.headers));
  });

  it('streams chunked responses instead of buffering them', async () => {
    const res = await rawRequest(servers.withRamflow.baseUrl, fixtures.stream.path);
    assert.equal(res.headers['transfer-encoding'], 'chunked');
    assert.equal(res.body.toString(), fixtures.stream.chunks.join(''));
  });

  it('reports allocatedBytes within ±20% for a request that allocates a known 4 MB', async () => {
    await rawRequest(servers.withRamflow.baseUrl, fixtures.allocation.path); // warm-up: first-call compilation
    for (let run = 0; run < 3; run++) {
      const res = await rawRequest(servers.withRamflow.baseUrl, fixtures.allocation.path);
      assert.equal(res.body.toString(), '4000');
      const record = JSON.parse(
        (
          await waitForRecord(servers.withRamflow.baseUrl, res.headers['x-ramflow-id'] as string)
        ).body.toString(),
      );
      const allocated = record.memory.allocatedBytes;
      assert.equal(
        typeof allocated,
        'number',
        `allocation unavailable: ${record.memory.allocatedUnavailable}`,
      );
      const expected = fixtures.allocation.bytes;
      assert.ok(
        Math.abs(allocated - expected) <= expected * 0.2,
        `run ${run}: allocated ${allocated} vs ${expected}`,
      );
    }
  });

  it('still stores a record when the handler throws', async () => {
    const res = await rawRequest(servers.withRamflow.baseUrl, fixtures.throws.path);
    assert.ok(res.status >= 500);
    const record = await waitForRecord(servers.withRamflow.baseUrl, res.headers['x-ramflow-id'] as string);
    assert.equal(record.status, 200);
    const json = JSON.parse(record.body.toString());
    assert.equal(json.response.statusCode, res.status);
    assert.equal(json.request.path, fixtures.throws.path);
  });

  it('serves the record, the history and the dashboard under /__ramflow', async () => {
    const res = await rawRequest(servers.withRamflow.baseUrl, `${fixtures.json.path}?q=1`);
    const id = res.headers['x-ramflow-id'] as string;
    const record = JSON.parse((await waitForRecord(servers.withRamflow.baseUrl, id)).body.toString());
    assert.equal(record.id, id);
    assert.equal(record.request.url, `${fixtures.json.path}?q=1`);
    assert.equal(typeof record.memory.heapDeltaBytes, 'number');
    assert.equal(typeof record.concurrency.exclusive, 'boolean');
    const list = JSON.parse(
      (await rawRequest(servers.withRamflow.baseUrl, '/__ramflow/api/requests')).body.toString(),
    );
    assert.ok(list.requests.some((r: { id: string }) => r.id === id));
    const page = await rawRequest(servers.withRamflow.baseUrl, '/__ramflow');
    assert.equal(page.status, 200);
    assert.match(page.body.toString(), /Recent requests/);
    const detail = await rawRequest(servers.withRamflow.baseUrl, `/__ramflow/requests/${id}`);
    assert.equal(detail.status, 200);
    const css = await rawRequest(servers.withRamflow.baseUrl, '/__ramflow/assets/toolbar.css');
    assert.equal(css.status, 200);
    assert.match(String(css.headers['content-type']), /text\/css/);
    const missing = await rawRequest(servers.withRamflow.baseUrl, '/__ramflow/api/requests/not-an-id');
    assert.equal(missing.status, 404);
  });

  for (const [label, make] of [
    ['disabled (enabled: false)', () => createServer({ ramflow: { enabled: false } })],
    [
      'in production (NODE_ENV=production, no options)',
      async () => {
        const previous = process.env.NODE_ENV;
        process.env.NODE_ENV = 'production';
        try {
          return await createServer({ ramflow: {} });
        } finally {
          if (previous === undefined) delete process.env.NODE_ENV;
          else process.env.NODE_ENV = previous;
        }
      },
    ],
    [
      'for a non-loopback client (trust proxy + X-Forwarded-For)',
      () => createServer({ ramflow: {}, trustProxy: true }),
    ],
  ] as const) {
    it(`adds nothing and answers 404 under /__ramflow when ${label}`, async () => {
      const server = await make();
      try {
        const headers = label.startsWith('for a non-loopback')
          ? { ...BROWSER, 'x-forwarded-for': '203.0.113.9' }
          : BROWSER;
        const page = await rawRequest(server.baseUrl, fixtures.page.path, { headers });
        assert.equal(page.body.toString(), fixtures.page.body);
        for (const name of RAMFLOW_HEADERS)
          assert.equal(page.headers[name], undefined, `${name} must be absent`);
        // Not ramflow's 404: the app's own, as if ramflow were not installed (nothing reveals it).
        for (const path of ['/__ramflow', '/__ramflow/api/requests', '/__ramflow/process']) {
          const answer = await rawRequest(server.baseUrl, path, { headers });
          const app = await rawRequest(servers.without.baseUrl, path, { headers });
          assert.equal(answer.status, 404, path);
          assert.equal(answer.status, app.status, path);
          assert.deepEqual(answer.body, app.body, `${path}: the app's own 404 body`);
        }
      } finally {
        await server.close();
      }
    });
  }

  it('records a response the client hung up on halfway as aborted, even when it was written in one piece', async () => {
    await readThenHangUp(servers.withRamflow.baseUrl, fixtures.large.path, 256 * 1024);
    // The server learns of the hang-up asynchronously: wait (bounded) for the record to appear.
    let record: { response: { aborted: boolean } } | undefined;
    for (let attempt = 0; attempt < 200 && record === undefined; attempt++) {
      const list = JSON.parse(
        (await rawRequest(servers.withRamflow.baseUrl, '/__ramflow/api/requests')).body.toString(),
      ) as { requests: Array<{ id: string; url: string }> };
      const summary = list.requests.find((r) => r.url === fixtures.large.path);
      if (summary !== undefined)
        record = JSON.parse((await waitForRecord(servers.withRamflow.baseUrl, summary.id)).body.toString());
      else await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.ok(record, 'the request was recorded');
    assert.equal(record.response.aborted, true);
  });

  it('ignores X-Forwarded-For when the framework does not trust proxies', async () => {
    const res = await rawRequest(servers.withRamflow.baseUrl, fixtures.text.path, {
      headers: { 'x-forwarded-for': '203.0.113.9' },
    });
    assert.ok(res.headers['x-ramflow-id'], 'a loopback socket is still a loopback client');
  });
}
