/**
 * Safe to leave installed: a disabled, production or refusing ramflow starts nothing (no sampling profiler, GC
 * ledger, timer or worker), and an enabled one stops its profiler and ledger once nobody is profiled.
 */
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { Session } from 'node:inspector';
import { after, describe, it } from 'node:test';
import { holdObjectIds } from '../../src/backends/inspector/object-id-lease.js';
import { rawRequest } from '../../src/testing/index.js';
import type { RamflowLogger, RamflowOptions } from '../../src/types.js';
import { type Harness, HTML, harness } from '../helpers/node-harness.js';

const quiet: RamflowLogger = { info() {}, warn() {}, error() {} };
const SOURCE = `${new URL('../../src/', import.meta.url).pathname}`;

/** Whether V8's sampling heap profiler runs in this process, asked through a session of our own. */
function samplerRunning(): boolean {
  const session = new Session();
  session.connect();
  let running = false;
  session.post('HeapProfiler.enable');
  session.post('HeapProfiler.getSamplingProfile', (error) => {
    running = error === null;
  });
  session.disconnect();
  return running;
}

interface SamplerStats {
  starts: number;
  idleStops: number;
  rotationsBy: { bounds: number };
}

function samplerStats(h: Harness): SamplerStats {
  const stats = h.ramflow.backend.stats?.();
  assert.ok(stats, 'the sampling backend reports its stats');
  return stats as unknown as SamplerStats;
}

function ledgerActive(): boolean {
  const ledger = (globalThis as unknown as Record<symbol, { disposed: boolean } | undefined>)[
    Symbol.for('ramflow.gc-ledger')
  ];
  return ledger !== undefined && !ledger.disposed;
}

/** Timers and workers created from ramflow's own source while `run` runs. */
async function resourcesCreatedDuring(run: () => Promise<void>): Promise<string[]> {
  const created: string[] = [];
  const hook = createHook({
    init(_id, type) {
      if (type !== 'Timeout' && type !== 'WORKER' && type !== 'Immediate') return;
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 60;
      const stack = new Error().stack ?? '';
      Error.stackTraceLimit = limit;
      // The harness's own frames are test code; only ramflow's source counts.
      const own = stack.split('\n').find((line) => line.includes(SOURCE));
      if (own !== undefined) created.push(`${type} from ${own.trim()}`);
    },
  });
  hook.enable();
  try {
    await run();
  } finally {
    hook.disable();
  }
  return created;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  // A bound on waiting, not a speed assertion: the timers involved fire after ~1 s and ~5 s.
  for (let waited = 0; !condition(); waited += 100) {
    if (waited > 60_000) assert.fail(`${what} did not happen within a minute`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const open: Harness[] = [];
after(async () => {
  for (const h of open) await h.close();
});

describe('a ramflow that profiles nobody starts nothing', () => {
  const cases: Array<[string, RamflowOptions, string | undefined, string | undefined]> = [
    ['enabled: false', { enabled: false }, undefined, undefined],
    ['NODE_ENV=production without options', {}, 'production', undefined],
    ['every client refused (not loopback)', {}, undefined, '203.0.113.7'],
    ['every path ignored', { ignore: [/.*/] }, undefined, undefined],
  ];
  for (const [label, options, environment, remoteAddress] of cases) {
    it(`${label}: no sampling profiler, GC ledger, timer or worker after 40 requests`, async () => {
      const previous = process.env.NODE_ENV;
      if (environment !== undefined) process.env.NODE_ENV = environment;
      let h: Harness | undefined;
      const created = await resourcesCreatedDuring(async () => {
        try {
          h = await harness({ memoryBackend: 'auto', logger: quiet, ...options }, undefined, remoteAddress);
        } finally {
          if (previous === undefined) delete process.env.NODE_ENV;
          else process.env.NODE_ENV = previous;
        }
        open.push(h as Harness);
        for (let i = 0; i < 20; i++) {
          const page = await rawRequest((h as Harness).url, `/page${i}`, { headers: HTML });
          assert.equal(page.headers['x-ramflow-id'], undefined, 'nothing is profiled');
          await rawRequest((h as Harness).url, `/api/${i}`);
        }
      });
      assert.equal(samplerRunning(), false, "V8's sampling heap profiler must not run");
      assert.equal(ledgerActive(), false, 'the GC ledger must not run');
      assert.deepEqual(created, [], 'ramflow created timers or workers');
    });
  }
});

describe('an enabled ramflow stops what it started once nobody is profiled', () => {
  it('stops the sampling profiler and releases the GC ledger when idle, and starts them again for the next request', async () => {
    const h = await harness({ memoryBackend: 'sampling', logger: quiet });
    open.push(h);
    for (let i = 0; i < 3; i++) await rawRequest(h.url, `/warm${i}`);
    await h.ramflow.flush();
    assert.equal(samplerRunning(), true, 'profiled requests run the sampler');
    assert.equal(ledgerActive(), true);
    await until(() => !samplerRunning(), 'stopping the idle sampler');
    await until(() => !ledgerActive(), 'releasing the idle GC ledger');
    assert.equal(samplerStats(h).idleStops, 1);

    // The next profiled request starts them again and gets its allocation stacks.
    const res = await rawRequest(h.url, '/again');
    await h.ramflow.flush();
    const record = await h.ramflow.store.get(res.headers['x-ramflow-id'] as string);
    assert.ok(record?.allocations, record?.allocationsUnavailable);
    assert.equal(typeof record?.memory.allocatedBytes, 'number', record?.memory.allocatedUnavailable);
    assert.equal(samplerStats(h).starts, 2);
  });

  it("keeps the idle sampler on while a heap snapshot window needs V8's object ids", async () => {
    // Switching the sampler off disables the heap profiler, which makes V8 renumber every object: a snapshot diff
    // across it lost the 5,000 objects a route kept (object-id-lease.ts).
    const h = await harness({ memoryBackend: 'sampling', logger: quiet });
    open.push(h);
    for (let i = 0; i < 3; i++) await rawRequest(h.url, `/warm${i}`);
    await h.ramflow.flush();
    const stops = samplerStats(h).idleStops;
    const release = holdObjectIds();
    try {
      // Longer than the idle stop (1 s) and a few of its checks.
      await new Promise((resolve) => setTimeout(resolve, 1800));
      assert.equal(samplerStats(h).idleStops, stops, 'the sampler stayed on while the ids were held');
    } finally {
      release();
    }
    await until(() => samplerStats(h).idleStops === stops + 1, 'stopping the idle sampler once released');
  });

  it('fetches the profile when unprofiled requests pile up samples while a profiled one is in flight', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const h = await harness({ memoryBackend: 'sampling', logger: quiet }, async (req) => {
      if (req.url === '/held') await held;
    });
    open.push(h);
    const pending = rawRequest(h.url, '/held');
    await until(() => samplerRunning(), 'starting the sampler for the held request');
    const before = samplerStats(h).rotationsBy.bounds;
    // Each unprofiled request counts as a typical request's samples (64 KiB at 32 KiB before any is measured).
    for (let i = 0; i < 150_000; i++) h.ramflow.backend.noteUnprofiled?.();
    await until(() => samplerStats(h).rotationsBy.bounds > before, 'a bounds fetch');
    release();
    const res = await pending;
    await h.ramflow.flush();
    const record = await h.ramflow.store.get(res.headers['x-ramflow-id'] as string);
    assert.ok(record?.allocations, record?.allocationsUnavailable);
  });
});
