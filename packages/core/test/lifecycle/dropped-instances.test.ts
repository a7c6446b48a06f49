/**
 * Apps created and dropped without close() (the one-app-per-test pattern): their ramflow instances must be
 * collected, and what they started process-wide (the GC ledger, the process view) released by the last of them.
 * Driven through the lifecycle directly: over HTTP, Node's own parser free list can keep the last request (and so
 * its server and handler) for a while, whatever the handler holds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { getForceGc } from '../../src/measure/force-gc.js';
import { activeGcLedger } from '../../src/measure/gc-ledger.js';
import { createRamflow } from '../../src/ramflow.js';
import type { Ramflow, RamflowLogger } from '../../src/types.js';

const quiet: RamflowLogger = { info() {}, warn() {}, error() {} };

/** Profiles two requests with a fresh instance (the process view starts with them) and drops it. */
async function useAndDrop(memoryBackend: 'process' | 'sampling'): Promise<WeakRef<Ramflow>> {
  const ramflow = createRamflow({ logger: quiet, memoryBackend });
  for (const url of ['/one', '/two']) {
    const session = ramflow.start({
      method: 'GET',
      url,
      headers: { host: 'localhost' },
      remoteAddress: '127.0.0.1',
    });
    assert.ok(session, 'profiled');
    await session.ready;
    session.finish({ statusCode: 200, aborted: false });
  }
  await ramflow.flush();
  assert.equal((await ramflow.store.list()).length, 2);
  return new WeakRef(ramflow);
}

/**
 * Collects a few times, then counts the references cleared. Not read in between: a WeakRef read keeps its
 * object alive until the current job ends, which would keep alive what it asks about.
 */
async function collected(refs: Array<WeakRef<Ramflow>>): Promise<number> {
  const gc = getForceGc();
  for (let round = 0; round < 10; round++) {
    gc();
    // Timers a finished request left (the settle queue's next pass, ~10 ms) run and let go meanwhile.
    await delay(30);
  }
  return refs.filter((ref) => ref.deref() === undefined).length;
}

describe('instances dropped without close()', () => {
  for (const backend of ['process', 'sampling'] as const) {
    it(`are collected (${backend}), and the last one releases the GC ledger`, async () => {
      const refs: Array<WeakRef<Ramflow>> = [];
      for (let i = 0; i < 5; i++) refs.push(await useAndDrop(backend));
      assert.equal(activeGcLedger() !== undefined, true, 'profiling started the GC ledger');
      assert.equal(await collected(refs), refs.length, 'every dropped instance was collected');
      // Finalization callbacks run after the collection, a turn later.
      for (let round = 0; round < 20 && activeGcLedger() !== undefined; round++) {
        getForceGc()();
        await delay(20);
      }
      assert.equal(activeGcLedger(), undefined, 'no GC ledger runs once its holders are gone');
    });
  }
});
