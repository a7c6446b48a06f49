/**
 * `isolate: true` driven on bare node:http, the way every adapter drives it (wait for `session.ready`): profiled
 * requests run one at a time, a request whose client goes away while it waits is recorded as never run, and a
 * wait longer than 2 s ends with the request running alongside the others, which its record says.
 */
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { after, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createRamflow } from '../../src/ramflow.js';
import { type ConformanceServer, rawRequest, serveOnLoopback } from '../../src/testing/index.js';
import type { Ramflow, RamflowLogger, RamflowOptions, RequestRecord } from '../../src/types.js';

const quiet: RamflowLogger = { info() {}, warn() {}, error() {} };

interface Harness extends ConformanceServer {
  ramflow: Ramflow;
  /** Requests whose handler has started. */
  readonly running: string[];
}

/** A minimal adapter on node:http; `hold(path)` decides how long the handler of a path takes. */
async function harness(
  options: RamflowOptions,
  hold: (path: string) => Promise<void> = async () => {},
): Promise<Harness> {
  const ramflow = createRamflow({ logger: quiet, memoryBackend: 'process', ...options });
  const running: string[] = [];
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    running.push(url);
    await hold(url);
    if (!res.destroyed) res.end('ok');
  };
  const server = await serveOnLoopback(
    (req, res) => {
      const info = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        remoteAddress: '127.0.0.1',
      };
      if (ramflow.isOwnPath(info.url)) {
        void ramflow.handle(info, req, res);
        return;
      }
      const session = ramflow.start(info);
      res.once('close', () =>
        session?.finish({ statusCode: res.statusCode, aborted: !res.writableFinished }),
      );
      const headers = () => {
        for (const [name, value] of session?.responseHeaders({
          statusCode: 200,
          contentType: 'text/plain',
          contentEncoding: undefined,
        }) ?? [])
          res.setHeader(name, value);
      };
      if (session?.ready !== undefined)
        void session.ready.then(() => {
          headers();
          return handle(req, res);
        });
      else {
        headers();
        void handle(req, res);
      }
    },
    () => ramflow.close(),
  );
  return Object.assign(server, { ramflow, running });
}

const open: Harness[] = [];
after(async () => {
  for (const h of open) await h.close();
});
async function start(options: RamflowOptions, hold?: (path: string) => Promise<void>): Promise<Harness> {
  const h = await harness(options, hold);
  open.push(h);
  return h;
}

async function records(h: Harness): Promise<Map<string, RequestRecord>> {
  await h.ramflow.flush();
  const byPath = new Map<string, RequestRecord>();
  for (const summary of await h.ramflow.store.list()) {
    const record = await h.ramflow.store.get(summary.id);
    if (record) byPath.set(record.request.path, record);
  }
  return byPath;
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await delay(5);
  assert.ok(condition(), 'condition not reached in time');
}

describe('isolate', () => {
  it('without isolate no session waits (ready is undefined)', async () => {
    const ramflow = createRamflow({ logger: quiet, memoryBackend: 'process' });
    try {
      const info = { method: 'GET', url: '/a', headers: {}, remoteAddress: '127.0.0.1' };
      const first = ramflow.start(info);
      const second = ramflow.start({ ...info, url: '/b' });
      assert.ok(first && second);
      assert.equal(first.ready, undefined);
      assert.equal(second.ready, undefined);
      first.finish({ statusCode: 200, aborted: false });
      second.finish({ statusCode: 200, aborted: false });
      await ramflow.flush();
      const record = await ramflow.store.get(first.id);
      assert.deepEqual(record?.concurrency, { exclusive: false, overlapping: 1 });
    } finally {
      await ramflow.close();
    }
  });

  it('the first request proceeds at once; the others wait and run one at a time', async () => {
    const h = await start({ isolate: true }, () => delay(20));
    const responses = await Promise.all(['/1', '/2', '/3'].map((path) => rawRequest(h.baseUrl, path)));
    for (const res of responses) assert.equal(res.status, 200);
    const byPath = await records(h);
    assert.equal(byPath.size, 3);
    const waited = [...byPath.values()].filter((r) => (r.concurrency.isolation?.waitedMs ?? 0) > 0);
    assert.equal(waited.length, 2, 'two of the three waited');
    for (const record of byPath.values()) {
      assert.equal(record.concurrency.exclusive, true);
      assert.equal(record.concurrency.overlapping, 0);
      assert.equal(record.concurrency.isolation?.timedOut, false);
      assert.deepEqual(record.failures, []);
      assert.ok(record.memory.allocatedBytes !== null);
    }
    assert.equal(h.ramflow.backend.name, 'process');
  });

  it('a request whose client goes away while it waits is recorded as never run, and the gate moves on', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const h = await start({ isolate: true }, (path) => (path === '/holder' ? held : Promise.resolve()));
    const holder = rawRequest(h.baseUrl, '/holder');
    await until(() => h.running.includes('/holder'));
    // A client that gives up while its request waits behind /holder.
    const gaveUp = httpRequest(new URL('/impatient', h.baseUrl), { agent: false });
    gaveUp.on('error', () => {});
    gaveUp.end();
    await delay(30);
    assert.deepEqual(h.running, ['/holder'], '/impatient waits');
    gaveUp.destroy();
    await until(() => h.running.includes('/impatient'));
    release();
    assert.equal((await holder).status, 200);
    // The gate is free again: a new request proceeds and is exclusive.
    assert.equal((await rawRequest(h.baseUrl, '/after')).status, 200);

    const byPath = await records(h);
    const impatient = byPath.get('/impatient');
    assert.ok(impatient, 'the abandoned request has a record');
    assert.equal(impatient.response.aborted, true);
    assert.equal(impatient.durationMs, 0);
    assert.equal(impatient.memory.allocatedBytes, null);
    assert.match(impatient.memory.allocatedUnavailable ?? '', /never ran/);
    assert.deepEqual(
      impatient.failures.map((f) => f.code),
      ['RAMFLOW_NOT_RUN'],
    );
    assert.ok((impatient.concurrency.isolation?.waitedMs ?? 0) >= 25);
    for (const path of ['/holder', '/after']) {
      const record = byPath.get(path);
      assert.equal(record?.concurrency.exclusive, true, path);
      assert.equal(record?.concurrency.overlapping, 0, path);
    }
    assert.equal((h.ramflow as unknown as { gate: { inside: number; waiting: number } }).gate.inside, 0);
  });

  it('after waiting 2 s a request runs alongside the others, and its record says so', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const h = await start({ isolate: true }, (path) => (path === '/slow' ? held : Promise.resolve()));
    const slow = rawRequest(h.baseUrl, '/slow');
    await until(() => h.running.includes('/slow'));
    const began = Date.now();
    const late = await rawRequest(h.baseUrl, '/late');
    assert.equal(late.status, 200);
    assert.ok(Date.now() - began >= 1900, 'it waited for the timeout');
    release();
    await slow;
    const byPath = await records(h);
    const record = byPath.get('/late');
    assert.ok(record);
    assert.equal(record.concurrency.isolation?.timedOut, true);
    assert.ok((record.concurrency.isolation?.waitedMs ?? 0) >= 1900);
    assert.equal(record.concurrency.exclusive, false);
    assert.equal(record.concurrency.overlapping, 1);
    assert.deepEqual(record.failures, [
      {
        code: 'RAMFLOW_ISOLATION_TIMEOUT',
        message: 'isolation timed out after 2000 ms: ran alongside 1 request',
        stage: 'isolate',
      },
    ]);
    assert.equal(byPath.get('/slow')?.concurrency.overlapping, 1);
  });
});
