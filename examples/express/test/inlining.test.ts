/**
 * V8's optimizer hides callees: the sampling heap profiler sees only real frames, so a hot callee inlined into
 * its caller used to read 0 bytes. ramflow turns inlining off when it starts sampling (option `inlining`).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, describe, it } from 'node:test';
import type { AllocationProfile } from '@ramflow/core';
import { rawRequest, serveOnLoopback } from '@ramflow/core/testing';
import { ramflow } from '@ramflow/express';
import express from 'express';

export let sink: unknown;
// outer allocates 4 parts and inner 1: inner's true share of the two is 20%.
function inner(): number {
  const parts: number[][] = [];
  for (let i = 0; i < 1000; i++) parts.push(new Array(64).fill(i));
  sink = parts;
  return parts.length;
}
function outer(): number {
  const parts: number[][] = [];
  for (let i = 0; i < 4000; i++) parts.push(new Array(64).fill(i));
  const more = inner();
  sink = parts;
  return parts.length + more;
}

function selfBytes(profile: AllocationProfile, name: string): number {
  let bytes = 0;
  const visit = (node: AllocationProfile['root']): void => {
    if (profile.frames[node.frame]?.name === name) bytes += node.selfBytes;
    for (const child of node.children) visit(child);
  };
  visit(profile.root);
  return bytes;
}

describe('allocation stacks of hot code', () => {
  const closers: Array<() => Promise<void>> = [];
  after(async () => {
    for (const close of closers) await close();
  });

  it("a hot route's callee keeps its share (within ±35%) after hundreds of calls", async () => {
    const app = express();
    const middleware = ramflow({ memoryBackend: 'sampling', adaptiveSampling: false, historySize: 50 });
    app.use(middleware);
    app.get('/hot', (_req, res) => {
      res.json({ n: outer() });
    });
    const server = await serveOnLoopback(app, () => middleware.ramflow.close());
    closers.push(() => server.close());
    // Warm-up through the app: V8 optimizes outer after a few hundred calls.
    for (let i = 0; i < 400; i++) await rawRequest(server.baseUrl, '/hot');
    const shares: number[] = [];
    for (let i = 0; i < 15; i++) {
      const id = (await rawRequest(server.baseUrl, '/hot')).headers['x-ramflow-id'] as string;
      await middleware.ramflow.flush();
      const profile = (await middleware.ramflow.store.get(id))?.allocations;
      assert.ok(profile, 'profiled');
      const own = selfBytes(profile, 'outer');
      const callee = selfBytes(profile, 'inner');
      shares.push(callee / (own + callee));
    }
    shares.sort((a, b) => a - b);
    const median = shares[Math.floor(shares.length / 2)] as number;
    assert.ok(
      Math.abs(median - 0.2) <= 0.2 * 0.35,
      `inner's median share ${median.toFixed(3)} (truth 0.200)`,
    );
  });

  it('with inlining: true, every profile says that inlined callees show under their callers', () => {
    const script = `
      import { createRamflow } from '@ramflow/core';
      const core = createRamflow({ memoryBackend: 'sampling', inlining: true });
      const session = core.start({ method: 'GET', url: '/', headers: {}, remoteAddress: '127.0.0.1' });
      session.finish({ statusCode: 200, aborted: false });
      await core.flush();
      const record = (await core.store.get(session.id));
      process.stdout.write(JSON.stringify(record.allocations?.notes ?? record.allocationsUnavailable));
      await core.close();
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      cwd: new URL('..', import.meta.url).pathname,
    });
    assert.equal(child.status, 0, child.stderr);
    assert.match(child.stdout, /inlines hot functions into their callers/);
  });
});
