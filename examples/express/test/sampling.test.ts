import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { createRequire } from 'node:module';
import { after, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { AllocationProfile, RequestRecord } from '@ramflow/core';
import { createRamflow } from '@ramflow/core';
import { rawRequest, serveOnLoopback } from '@ramflow/core/testing';
import { type RamflowOptions, ramflow } from '@ramflow/express';
import { Ajv } from 'ajv';
import express from 'express';
import { Profile } from 'pprof-format';

// Functions with recognisable names that allocate known amounts, in 256 KiB arrays (8 sampling intervals each
// at the default 32 KiB, so each array is sampled with probability 1 - e^-8 and its size estimated closely).
const CHUNK_ELEMENTS = 32_768;
const CHUNK_BYTES = CHUNK_ELEMENTS * 8 + 16;
export let sink: unknown[] = [];
function allocateThreeMegabytes(): number {
  const chunks: number[][] = [];
  for (let i = 0; i < 12; i++) chunks.push(new Array<number>(CHUNK_ELEMENTS).fill(0));
  sink = chunks;
  return chunks.length;
}
function allocateOneMegabyte(): number {
  const chunks: number[][] = [];
  for (let i = 0; i < 4; i++) chunks.push(new Array<number>(CHUNK_ELEMENTS).fill(0));
  sink = chunks;
  return chunks.length;
}
const retainedForever: number[][] = [];
function retainOneMegabyte(): number {
  const chunk = new Array<number>(131_072).fill(0);
  retainedForever.push(chunk);
  return retainedForever.length;
}
function allocateQuarterMegabyte(): number {
  const chunk = new Array<number>(CHUNK_ELEMENTS).fill(0);
  sink = [chunk];
  return 1;
}

async function startApp(options: RamflowOptions = {}) {
  const app = express();
  const middleware = ramflow(options);
  app.use(middleware);
  app.get('/attribution', (_req, res) => {
    res.json({ chunks: allocateThreeMegabytes() + allocateOneMegabyte() + allocateQuarterMegabyte() });
  });
  app.get('/retain', (_req, res) => {
    res.json({ chunks: retainOneMegabyte() });
  });
  app.get('/overlapping', (_req, res) => {
    allocateOneMegabyte();
    setTimeout(() => res.json({ chunks: allocateOneMegabyte() }), 40);
  });
  app.get('/slow', (_req, res) => {
    setTimeout(() => res.json({ ok: true }), 30);
  });
  const server = await serveOnLoopback(app, () => middleware.ramflow.close());
  return { ...server, core: middleware.ramflow };
}

async function recordOf(app: Awaited<ReturnType<typeof startApp>>, path: string): Promise<RequestRecord> {
  const response = await rawRequest(app.baseUrl, path);
  assert.equal(response.status, 200);
  const id = response.headers['x-ramflow-id'] as string;
  await app.core.flush();
  const record = await app.core.store.get(id);
  assert.ok(record, 'the request was recorded');
  return record;
}

/** Self bytes per function name, with Node internals and ramflow hidden (their bytes go to callers). */
function selfBytesByName(profile: AllocationProfile): Map<string, number> {
  const bytes = new Map<string, number>();
  const hidden = new Set(['node', 'ramflow']);
  const visit = (node: AllocationProfile['root'], owner: string): void => {
    const frame = profile.frames[node.frame];
    const name = frame && !hidden.has(frame.kind) ? frame.name : owner;
    bytes.set(name, (bytes.get(name) ?? 0) + node.selfBytes);
    for (const child of node.children) visit(child, name);
  };
  visit(profile.root, '(root)');
  return bytes;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

describe('sampling backend', () => {
  const apps: Array<{ close(): Promise<void> }> = [];
  after(async () => {
    for (const app of apps) await app.close();
  });

  it('is what "auto" picks when the profiler is free, and says so', async () => {
    const app = await startApp();
    apps.push(app);
    assert.equal(app.core.backend.name, 'sampling');
    assert.match(app.core.backend.reason, /sampling heap profiler is available/);
    const backend = await (await fetch(`${app.baseUrl}/__ramflow/api/backend`)).json();
    assert.equal(backend.name, 'sampling');
    assert.equal(backend.stats.samplingInterval, 32 * 1024);
  });

  it('ranks functions by self bytes, each within ±25% of what it allocated', async () => {
    const app = await startApp({ adaptiveSampling: false });
    apps.push(app);
    const runs = new Map<string, number[]>();
    for (let run = 0; run < 3; run++) {
      const record = await recordOf(app, '/attribution');
      assert.ok(record.allocations, record.allocationsUnavailable);
      assert.equal(record.allocations.view, 'allocated');
      const bytes = selfBytesByName(record.allocations);
      const ranked = ['allocateThreeMegabytes', 'allocateOneMegabyte', 'allocateQuarterMegabyte'];
      for (const name of ranked) runs.set(name, [...(runs.get(name) ?? []), bytes.get(name) ?? 0]);
      // Everything the window sampled is in the tree: the sums agree.
      let sum = 0;
      for (const value of bytes.values()) sum += value;
      assert.equal(sum, record.allocations.totalBytes);
    }
    const expected = { allocateThreeMegabytes: 12, allocateOneMegabyte: 4, allocateQuarterMegabyte: 1 };
    const medians = Object.entries(expected).map(([name, chunks]) => {
      const measured = median(runs.get(name) ?? []);
      const truth = chunks * CHUNK_BYTES;
      assert.ok(
        Math.abs(measured - truth) <= truth * 0.25,
        `${name}: ${measured} B sampled vs ${truth} B allocated`,
      );
      return measured;
    });
    assert.ok((medians[0] as number) > (medians[1] as number));
    assert.ok((medians[1] as number) > (medians[2] as number));
  });

  it('classifies frames: the route handler is app code, Express is a dependency, ramflow is its own', async () => {
    const app = await startApp({ adaptiveSampling: false });
    apps.push(app);
    const record = await recordOf(app, '/attribution');
    const profile = record.allocations as AllocationProfile;
    const kindOf = (name: string) => profile.frames.find((frame) => frame.name === name)?.kind;
    assert.equal(kindOf('allocateThreeMegabytes'), 'app');
    const urls = profile.frames.filter((frame) => frame.url.includes('/node_modules/express/'));
    assert.ok(urls.length > 0, 'express frames are on the stack');
    for (const frame of urls) assert.equal(frame.kind, 'dependency');
    for (const frame of profile.frames.filter((f) => f.url.includes('/packages/express/src/')))
      assert.equal(frame.kind, 'ramflow', `${frame.name} is ramflow's own`);
    // No boundary marker ever shows in a request's profile.
    assert.ok(!profile.frames.some((frame) => frame.name.startsWith('ramflowBoundaryMarker')));
  });

  it('exports .heapprofile, pprof and speedscope files that other tools read', async () => {
    const app = await startApp({ adaptiveSampling: false });
    apps.push(app);
    const record = await recordOf(app, '/attribution');
    const profile = record.allocations as AllocationProfile;
    const base = `${app.baseUrl}/__ramflow/api/requests/${record.id}`;

    const heap = await (await fetch(`${base}/profile.heapprofile`)).json();
    assert.equal(typeof heap.head.callFrame.functionName, 'string');
    let selfSum = 0;
    const names = new Set<string>();
    const walk = (node: { selfSize: number; children: unknown[]; callFrame: { functionName: string } }) => {
      selfSum += node.selfSize;
      names.add(node.callFrame.functionName);
      for (const child of node.children) walk(child as typeof node);
    };
    walk(heap.head);
    const sampleSum = heap.samples.reduce((sum: number, sample: { size: number }) => sum + sample.size, 0);
    assert.equal(selfSum, profile.totalBytes);
    assert.equal(sampleSum, profile.totalBytes);
    assert.ok(names.has('allocateThreeMegabytes'));

    const pprof = Buffer.from(await (await fetch(`${base}/profile.pb.gz`)).arrayBuffer());
    const decoded = Profile.decode(gunzipSync(pprof));
    const strings = decoded.stringTable.strings;
    assert.deepEqual(
      decoded.sampleType.map((type) => [strings[Number(type.type)], strings[Number(type.unit)]]),
      [
        ['objects', 'count'],
        ['space', 'bytes'],
      ],
    );
    const pprofBytes = decoded.sample.reduce((sum, sample) => sum + Number(sample.value[1]), 0);
    assert.equal(pprofBytes, profile.totalBytes);
    assert.ok(strings.includes('allocateOneMegabyte'));

    const speedscope = (await (await fetch(`${base}/profile.speedscope.json`)).json()) as {
      profiles: Array<{ weights: number[] }>;
    };
    const require = createRequire(import.meta.url);
    const schemaPath = require.resolve('speedscope/dist/release/file-format-schema.json');
    const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
    const ajv = new Ajv({ strict: false });
    const valid = ajv.validate(schema, speedscope);
    assert.ok(valid, JSON.stringify(ajv.errors));
    const weights = (speedscope.profiles[0]?.weights ?? []).reduce((sum, w) => sum + w, 0);
    assert.equal(weights, profile.totalBytes);
  });

  it('the request page names the top self allocator', async () => {
    const app = await startApp({ adaptiveSampling: false });
    apps.push(app);
    const record = await recordOf(app, '/attribution');
    const page = await (await fetch(`${app.baseUrl}/__ramflow/requests/${record.id}`)).text();
    const firstRow = /Top functions by self bytes[\s\S]*?<tbody>\s*<tr><td class="rf-fn">([^<]+)</.exec(page);
    assert.equal(firstRow?.[1], 'allocateThreeMegabytes');
  });

  it('on demand, the retained view shows what the request left alive, at the function that keeps it', async () => {
    const app = await startApp({ adaptiveSampling: false });
    apps.push(app);
    const truth = 131_072 * 8 + 16;
    const measured: number[] = [];
    for (let run = 0; run < 3; run++) {
      const record = await recordOf(app, '/retain?ramflow=retained');
      assert.ok(record.allocations, record.allocationsUnavailable);
      assert.equal(record.allocations.view, 'retained');
      assert.equal(record.concurrency.exclusive, true);
      measured.push(selfBytesByName(record.allocations).get('retainOneMegabyte') ?? 0);
    }
    const value = median(measured);
    assert.ok(Math.abs(value - truth) <= truth * 0.25, `retained ${value} B vs ${truth} B`);
    // The header asks for it too, and the next ordinary request is back to the allocation view.
    const response = await rawRequest(app.baseUrl, '/retain', {
      headers: { 'x-ramflow-profile': 'retained' },
    });
    await app.core.flush();
    const byHeader = await app.core.store.get(response.headers['x-ramflow-id'] as string);
    assert.equal(byHeader?.allocations?.view, 'retained');
    const after = await recordOf(app, '/attribution');
    assert.equal(after.allocations?.view, 'allocated');
  });

  it('flags overlapping requests as shared; with isolate: true each matches a solo run', async () => {
    const shared = await startApp({ adaptiveSampling: false });
    apps.push(shared);
    const solo = await recordOf(shared, '/overlapping');
    const soloBytes = selfBytesByName(solo.allocations as AllocationProfile).get('allocateOneMegabyte') ?? 0;
    assert.ok(soloBytes > 0);
    const fire = async (app: typeof shared) => {
      const responses = await Promise.all([1, 2, 3].map(() => rawRequest(app.baseUrl, '/overlapping')));
      await app.core.flush();
      return Promise.all(
        responses.map(
          async (r) => (await app.core.store.get(r.headers['x-ramflow-id'] as string)) as RequestRecord,
        ),
      );
    };
    for (const record of await fire(shared)) {
      assert.equal(record.concurrency.exclusive, false);
      assert.equal(record.concurrency.overlapping, 2);
    }
    const isolated = await startApp({ adaptiveSampling: false, isolate: true });
    apps.push(isolated);
    for (const record of await fire(isolated)) {
      assert.equal(record.concurrency.exclusive, true);
      assert.equal(record.concurrency.overlapping, 0);
      const bytes = selfBytesByName(record.allocations as AllocationProfile).get('allocateOneMegabyte') ?? 0;
      assert.ok(
        Math.abs(bytes - soloBytes) <= soloBytes * 0.25,
        `isolated ${bytes} B vs solo ${soloBytes} B`,
      );
    }
  });

  it('when someone else stops the profiler, the affected record says so and sampling restarts', async () => {
    const app = await startApp({ adaptiveSampling: false });
    apps.push(app);
    const foreign = new Session();
    foreign.connect();
    const pending = rawRequest(app.baseUrl, '/slow');
    await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise<void>((resolve) => foreign.post('HeapProfiler.stopSampling', () => resolve()));
    const response = await pending;
    foreign.disconnect();
    await app.core.flush();
    const stopped = await app.core.store.get(response.headers['x-ramflow-id'] as string);
    assert.equal(stopped?.allocations, undefined);
    assert.match(stopped?.allocationsUnavailable ?? '', /stopped by someone else/);
    const next = await recordOf(app, '/attribution');
    assert.ok(next.allocations, next.allocationsUnavailable);
    assert.ok(selfBytesByName(next.allocations).has('allocateThreeMegabytes'));
  });
});

describe('sampling backend selection', () => {
  it('"auto" falls back to the process counters when another session owns the profiler, and says why', async () => {
    const foreign = new Session();
    foreign.connect();
    const post = (method: string, params: object = {}) =>
      new Promise<void>((resolve, reject) =>
        foreign.post(method, params, (error) => (error ? reject(error) : resolve())),
      );
    await post('HeapProfiler.startSampling', { samplingInterval: 65536 });
    try {
      const auto = createRamflow({ memoryBackend: 'auto' });
      try {
        assert.equal(auto.backend.name, 'process');
        assert.match(auto.backend.reason, /another inspector session/);
      } finally {
        await auto.close();
      }
      assert.throws(
        () => createRamflow({ memoryBackend: 'sampling' }),
        (error: Error & { code?: string }) =>
          error.code === 'RAMFLOW_BACKEND_UNAVAILABLE' && /DevTools/.test(error.message),
      );
    } finally {
      await post('HeapProfiler.stopSampling');
      foreign.disconnect();
    }
  });

  it('rejects a sampling interval below 1', () => {
    assert.throws(() => createRamflow({ samplingInterval: 0 }), /samplingInterval/);
  });

  it('stops the profiler before the process exits', () => {
    const script = `
      import { createRamflow } from '@ramflow/core';
      const core = createRamflow({ memoryBackend: 'sampling' });
      const session = core.start({ method: 'GET', url: '/', headers: {}, remoteAddress: '127.0.0.1' });
      session.finish({ statusCode: 200, aborted: false });
      process.stdout.write('backend=' + core.backend.name);
      process.exit(0);
    `;
    const child = spawnSync(
      process.execPath,
      ['--conditions=@ramflow/source', '--import', 'tsx', '--input-type=module', '-e', script],
      { encoding: 'utf8', cwd: new URL('..', import.meta.url).pathname },
    );
    assert.equal(child.status, 0, child.stderr);
    assert.match(child.stdout, /backend=sampling/);
    assert.doesNotMatch(child.stderr, /Error|CHECK|Fatal/);
  });
});
