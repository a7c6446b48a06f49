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
    const alloc = parseServerTiming(res.headers['server-timing'] as string).find((m) => m.name === 'alloc');
    assert.match(alloc?.params.desc ?? '', /MB allocated$/);
    const rec = await record(server.baseUrl, res.headers['x-ramflow-id'] as string);
    assert.ok(
      rec.memory.allocatedBytes > 4_000_000 && rec.memory.allocatedBytes < 7_000_000,
      `allocated ${rec.memory.allocatedBytes}: ${JSON.stringify(rec.memory)}`,
    );
  });

  it('GET /stream streams and is still recorded', async () => {
    const res = await rawRequest(server.baseUrl, '/stream');
    assert.equal(res.headers['transfer-encoding'], 'chunked');
    assert.match(res.body.toString(), /line 4\ndone\n$/);
    const rec = await record(server.baseUrl, res.headers['x-ramflow-id'] as string);
    assert.ok(
      rec.durationMs >= 80,
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
    await rawRequest(server.baseUrl, '/leak'); // warm up: first-call compilation is not the leak
    const res = await rawRequest(server.baseUrl, '/leak');
    const rec = await record(server.baseUrl, res.headers['x-ramflow-id'] as string);
    const expected = 131_072 * 8;
    assert.equal(rec.memory.heapDeltaKind, 'exact');
    assert.ok(
      Math.abs(rec.memory.heapDeltaBytes - expected) <= expected * 0.2,
      `heap delta ${rec.memory.heapDeltaBytes} vs ${expected}`,
    );
    assert.ok(rec.memory.gc.forced >= 1);
    const heap = parseServerTiming(res.headers['server-timing'] as string).find((m) => m.name === 'heap');
    const [, value, unit] = /^\+([\d.]+) (KB|MB)$/.exec(heap?.params.desc ?? '') ?? [];
    const headerBytes = Number(value) * (unit === 'MB' ? 1e6 : 1e3);
    assert.ok(Math.abs(headerBytes - expected) <= expected * 0.2, `Server-Timing heap ${heap?.params.desc}`);
  });
});
