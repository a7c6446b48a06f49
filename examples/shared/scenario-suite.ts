import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RamflowOptions } from '@ramflow/core';
import { type ConformanceServer, parseServerTiming, rawRequest } from '@ramflow/core/testing';

export interface ExampleScenarioSuiteOptions {
  /** Shown in test names, e.g. "examples/koa". */
  name: string;
  /** The framework name the home page shows (`renderHomePage(framework)`). */
  framework: string;
  /** Starts the example app (listening on 127.0.0.1 port 0) with these ramflow options, or without ramflow. */
  createServer(ramflow: RamflowOptions | false): Promise<ConformanceServer>;
}

const BROWSER = { accept: 'text/html' };

async function record(baseUrl: string, id: string) {
  const res = await rawRequest(baseUrl, `/__ramflow/api/requests/${id}`);
  assert.equal(res.status, 200);
  return JSON.parse(res.body.toString());
}

/** `+1.1 MB`, `at least 751 KB allocated`… → bytes (decimal units, as ramflow formats them). */
function bytesOf(text: string | undefined): number {
  const [, value, unit] = /([\d.]+) (B|KB|MB)/.exec(text ?? '') ?? [];
  return Number(value) * (unit === 'MB' ? 1e6 : unit === 'KB' ? 1e3 : 1);
}

/**
 * The demo scenario every example serves (examples/shared/scenario.ts), checked the same way for every
 * framework: the page gets the badge, buildReport's ~5 MB are reported, a stream is recorded until it ends,
 * retainChunk's 1 MiB leak shows with `heapDelta: "exact"`, and without ramflow nothing is added.
 */
export function defineExampleScenarioSuite({
  name,
  framework,
  createServer,
}: ExampleScenarioSuiteOptions): void {
  describe(`${name} scenario`, () => {
    let server: ConformanceServer;
    before(async () => {
      server = await createServer({});
    });
    after(() => server.close());

    it('GET / renders the page with the toolbar badge', async () => {
      const res = await rawRequest(server.baseUrl, '/', { headers: BROWSER });
      const body = res.body.toString();
      assert.equal(res.status, 200);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.match(body, /<h1>ramflow demo<\/h1>/);
      assert.ok(body.includes(framework), `the page names ${framework}`);
      assert.match(body, /<ramflow-toolbar[^>]*><template shadowrootmode="open">/);
      assert.match(body, /data-ramflow="heap-delta">~?(?:[+-][\d.]+ (?:B|KB|MB)|0 B)</);
    });

    it('GET /api/report reports the ~5 MB that buildReport allocates', async () => {
      const res = await rawRequest(server.baseUrl, '/api/report');
      assert.equal(res.status, 200);
      assert.equal(JSON.parse(res.body.toString()).rows, 9_000);
      const rec = await record(server.baseUrl, res.headers['x-ramflow-id'] as string);
      const allocated = rec.memory.allocatedBytes;
      assert.ok(
        allocated > 4_000_000 && allocated < 7_000_000,
        `allocated ${allocated}: ${JSON.stringify(rec.memory)}`,
      );
      // The header is written before the request's collections are measured: it is exact, or says "at least",
      // and never claims more than the settled record (5% covers display rounding).
      const desc = parseServerTiming(res.headers['server-timing'] as string).find((m) => m.name === 'alloc')
        ?.params.desc;
      assert.match(desc ?? '', /^(?:at least )?[\d.]+ (?:B|KB|MB) allocated by the headers$/);
      const header = bytesOf(desc);
      if (desc?.startsWith('at least ')) assert.ok(header <= allocated * 1.05, `${desc} vs ${allocated}`);
      else assert.ok(Math.abs(header - allocated) <= allocated * 0.05, `${desc} vs ${allocated}`);
    });

    it('GET /stream streams and is recorded until it finishes', async () => {
      const res = await rawRequest(server.baseUrl, '/stream');
      assert.equal(res.headers['transfer-encoding'], 'chunked');
      assert.match(res.body.toString(), /line 4\ndone\n$/);
      const rec = await record(server.baseUrl, res.headers['x-ramflow-id'] as string);
      // Four 20 ms pauses: at least ~70 ms even when timers fire a little early.
      assert.ok(rec.durationMs >= 70, `recorded for ${rec.durationMs} ms`);
    });

    it('GET /api/ping answers { ok: true }; /favicon.ico answers 204 and is not profiled', async () => {
      const ping = await rawRequest(server.baseUrl, '/api/ping');
      assert.deepEqual(JSON.parse(ping.body.toString()), { ok: true });
      assert.ok(ping.headers['x-ramflow-id']);
      const icon = await rawRequest(server.baseUrl, '/favicon.ico');
      assert.equal(icon.status, 204);
      assert.equal(icon.headers['x-ramflow-id'], undefined);
    });
  });

  describe(`${name} with heapDelta: "exact"`, () => {
    let server: ConformanceServer;
    before(async () => {
      server = await createServer({ heapDelta: 'exact' });
    });
    after(() => server.close());

    it('GET /leak reports a heap delta of 1 MiB ±20% (retainChunk keeps 131,072 doubles)', async () => {
      // Warm up (first-call compilation is not the leak), then the median of five: V8's optimizing compilers
      // occasionally allocate ~200 KB of code inside one window.
      for (let i = 0; i < 3; i++) await rawRequest(server.baseUrl, '/leak');
      const expected = 131_072 * 8;
      const deltas: number[] = [];
      const headers: number[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await rawRequest(server.baseUrl, '/leak');
        const rec = await record(server.baseUrl, res.headers['x-ramflow-id'] as string);
        assert.equal(rec.memory.heapDeltaKind, 'exact');
        assert.ok(rec.memory.gc.forced >= 1, 'ramflow forced the collections exact mode needs');
        deltas.push(rec.memory.heapDeltaBytes);
        headers.push(
          bytesOf(
            parseServerTiming(res.headers['server-timing'] as string).find((m) => m.name === 'heap')?.params
              .desc,
          ),
        );
      }
      const median = (values: number[]) => [...values].sort((a, b) => a - b)[2] as number;
      assert.ok(
        Math.abs(median(deltas) - expected) <= expected * 0.2,
        `heap deltas ${deltas.join(', ')} vs ${expected}`,
      );
      assert.ok(
        Math.abs(median(headers) - expected) <= expected * 0.2,
        `Server-Timing heap ${headers.join(', ')}`,
      );
    });
  });

  describe(`${name} without ramflow`, () => {
    it('serves the same page with nothing added', async () => {
      const plain = await createServer(false);
      try {
        const res = await rawRequest(plain.baseUrl, '/', { headers: BROWSER });
        assert.match(res.body.toString(), /<h1>ramflow demo<\/h1>/);
        assert.doesNotMatch(res.body.toString(), /<ramflow-toolbar/);
        for (const header of ['server-timing', 'x-ramflow-id', 'x-ramflow-link'])
          assert.equal(res.headers[header], undefined);
        assert.equal((await rawRequest(plain.baseUrl, '/__ramflow')).status, 404);
      } finally {
        await plain.close();
      }
    });
  });
}
