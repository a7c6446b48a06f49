import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Ramflow } from '@ramflow/core';
import {
  type ConformanceServer,
  defineAdapterConformanceSuite,
  parseServerTiming,
  rawRequest,
} from '@ramflow/core/testing';
import { installFixtureRoutes, listen } from '../../../packages/express/test/conformance-app.js';
import { buildApp } from '../src/app.js';

async function serve(
  options: Parameters<typeof buildApp>[0],
  trustProxy = false,
): Promise<ConformanceServer> {
  const app = buildApp(options);
  if (trustProxy) app.set('trust proxy', true);
  installFixtureRoutes(app);
  return listen(app, async () => {
    await (app.locals.ramflow as Ramflow | undefined)?.close();
  });
}

defineAdapterConformanceSuite({
  name: 'examples/express',
  createServer: ({ ramflow, trustProxy }) => serve({ ramflow }, trustProxy),
});

async function record(baseUrl: string, id: string) {
  const res = await rawRequest(baseUrl, `/__ramflow/api/requests/${id}`);
  assert.equal(res.status, 200);
  return JSON.parse(res.body.toString());
}

describe('examples/express scenario', () => {
  let server: ConformanceServer;
  before(async () => {
    server = await serve({ ramflow: {} });
  });
  after(() => server.close());

  it('GET / renders the page with the toolbar badge', async () => {
    const res = await rawRequest(server.baseUrl, '/', { headers: { accept: 'text/html' } });
    const body = res.body.toString();
    assert.equal(res.status, 200);
    assert.match(body, /<h1>ramflow demo<\/h1>/);
    assert.match(body, /<ramflow-toolbar[^>]*><template shadowrootmode="open">/);
    assert.match(body, /data-ramflow="heap-delta">~?[+-]?[\d.]+ (?:B|KB|MB)</);
  });

  it('GET /api/report reports the ~5 MB that buildReport allocates', async () => {
    const res = await rawRequest(server.baseUrl, '/api/report');
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.body.toString()).rows, 9_000);
    const rec = await record(server.baseUrl, res.headers['x-ramflow-id'] as string);
    assert.ok(
      rec.memory.allocatedBytes > 4_000_000 && rec.memory.allocatedBytes < 7_000_000,
      `allocated ${rec.memory.allocatedBytes}: ${JSON.stringify(rec.memory)}`,
    );
    // The header is written before the request's collections are measured: it is either exact or says
    // "at least", and never claims more than the settled record.
    const alloc = parseServerTiming(res.headers['server-timing'] as string).find((m) => m.name === 'alloc');
    const [, bound, value, unit] =
      /^(at least )?([\d.]+) (B|KB|MB) allocated$/.exec(alloc?.params.desc ?? '') ?? [];
    const headerBytes = Number(value) * (unit === 'MB' ? 1e6 : unit === 'KB' ? 1e3 : 1);
    if (bound)
      assert.ok(
        headerBytes <= rec.memory.allocatedBytes * 1.05,
        `${alloc?.params.desc} vs ${rec.memory.allocatedBytes}`,
      );
    else
      assert.ok(
        Math.abs(headerBytes - rec.memory.allocatedBytes) <= rec.memory.allocatedBytes * 0.05,
        `${alloc?.params.desc} vs ${rec.memory.allocatedBytes}`,
      );
  });

  it('GET /stream streams and is still recorded', async () => {
    const res = await rawRequest(server.baseUrl, '/stream');
    assert.equal(res.headers['transfer-encoding'], 'chunked');
    assert.match(res.body.toString(), /line 4\ndone\n$/);
    const rec = await record(server.baseUrl, res.headers['x-ramflow-id'] as string);
    // Four 20 ms timers: at least ~70 ms even when timers fire a little early.
    assert.ok(
      rec.durationMs >= 70,
      `a streamed response is recorded until it finishes (${rec.durationMs} ms)`,
    );
  });
});

describe('examples/express accuracy with heapDelta: "exact"', () => {
  let server: ConformanceServer;
  before(async () => {
    server = await serve({ ramflow: { heapDelta: 'exact' } });
  });
  after(() => server.close());

  it('GET /leak reports a heap delta of 1 MiB ±20% (retainChunk keeps 131,072 doubles)', async () => {
    // Warm up first (first-call compilation is not the leak), then take the median of five requests: V8's
    // optimizing compilers occasionally allocate ~200 KB of code inside one window.
    for (let i = 0; i < 3; i++) await rawRequest(server.baseUrl, '/leak');
    const expected = 131_072 * 8;
    const samples: Array<{ delta: number; header: number }> = [];
    for (let i = 0; i < 5; i++) {
      const res = await rawRequest(server.baseUrl, '/leak');
      const rec = await record(server.baseUrl, res.headers['x-ramflow-id'] as string);
      assert.equal(rec.memory.heapDeltaKind, 'exact');
      assert.ok(rec.memory.gc.forced >= 1);
      const heap = parseServerTiming(res.headers['server-timing'] as string).find((m) => m.name === 'heap');
      const [, value, unit] = /^\+([\d.]+) (KB|MB)$/.exec(heap?.params.desc ?? '') ?? [];
      samples.push({ delta: rec.memory.heapDeltaBytes, header: Number(value) * (unit === 'MB' ? 1e6 : 1e3) });
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[2] as number;
    const delta = median(samples.map((s) => s.delta));
    const header = median(samples.map((s) => s.header));
    assert.ok(
      Math.abs(delta - expected) <= expected * 0.2,
      `median heap delta ${delta} vs ${expected}: ${JSON.stringify(samples)}`,
    );
    assert.ok(Math.abs(header - expected) <= expected * 0.2, `median Server-Timing heap ${header}`);
  });
});
