/**
 * The GC ledger and counter windows against the real V8 heap: no mocks. The allocations are built so their size
 * on the V8 heap is known to the byte (64-bit V8 without pointer compression, as Node ships):
 *
 *  - A sequential one-byte string of length n takes SeqOneByteString::SizeFor(n) = align8(16 + n) bytes
 *    (8-byte map, 4-byte hash, 4-byte length, then the characters). n = 88 gives exactly 104 bytes.
 *  - `Buffer#latin1Slice(start, end)` is a C++ binding that creates exactly one such flat, on-heap string per call
 *    (below ~1 MB Node copies into a V8 heap string) and allocates nothing else on the JS heap: unlike
 *    `Buffer#toString`, it has no JS wrapper that could materialize an `arguments` object before it is optimized.
 *  - The array holding them is allocated before the window opens, so the window sees only the strings.
 *  - The loops use small-integer arithmetic only, so unoptimized code allocates no HeapNumbers.
 *
 * Measured here, V8's used_heap_size then grows by the payload plus up to ~250 KB of new-space page slop (+1-6% on
 * 4 MB), well inside the ±20% tolerance.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, test } from 'node:test';
import { CounterWindow } from '../../src/measure/counter-window.js';
import { getForceGc } from '../../src/measure/force-gc.js';
import {
  type GcEvent,
  GcLedger,
  type MeasuredGc,
  pairMeasured,
  type WindowGcSummary,
} from '../../src/measure/gc-ledger.js';

const MB = 1_000_000;
const MiB = 1024 * 1024;

/** Memory retained by the exact-mode test for the life of the process, like a leaky module would. */
const moduleLevelRetained: unknown[] = [];

type Latin1Source = Buffer & { latin1Slice(start: number, end: number): string };

/**
 * Fills `into` with `into.length` distinct fresh heap strings of `length` characters. Only small-integer arithmetic
 * in the loop: a division like `i / 26` would allocate a HeapNumber per iteration until the loop is optimized.
 */
function makeStrings(into: string[], length: number): void {
  const source = Buffer.alloc(length, 0x2e) as Latin1Source;
  // Distinct contents: the index written in base 26 into the first three characters (26³ = 17_576 values) and a
  // fourth digit above that.
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  for (let i = 0; i < into.length; i++) {
    source[0] = 0x61 + a;
    source[1] = 0x61 + b;
    source[2] = 0x61 + c;
    source[3] = 0x61 + d;
    into[i] = source.latin1Slice(0, length);
    if (++a === 26) {
      a = 0;
      if (++b === 26) {
        b = 0;
        if (++c === 26) {
          c = 0;
          d++;
        }
      }
    }
  }
}

/** Allocates `count` strings of `length` characters and drops them at once; returns a checksum so nothing is elided. */
function makeGarbage(count: number, length: number): number {
  const source = Buffer.alloc(length, 0x2d) as Latin1Source;
  let checksum = 0;
  let letter = 0;
  for (let i = 0; i < count; i++) {
    source[0] = 0x61 + letter;
    letter = letter === 25 ? 0 : letter + 1;
    checksum += source.latin1Slice(0, length).charCodeAt(0);
  }
  return checksum;
}

const tick = () => new Promise<void>((resolve) => setTimeout(() => setImmediate(resolve), 5));

/**
 * Lets the heap reach a steady state before an exact-mode window. After earlier tests (a 4 MB array dropped, a
 * ledger disposed) one full collection is not enough: weak callbacks and finalizers free their objects over the
 * next collections and ticks, and an exact window opened right away sees up to ~220 KB disappear. ramflow forces
 * one collection per window end by design; the tests measure the window, not the leftovers of previous tests.
 */
async function quiesceHeap(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    getForceGc()();
    await tick();
  }
}

/**
 * Waits until every GC of the closed window has its freed bytes, the way ramflow's drain does: the observer
 * delivers GC entries a loop turn after each GC, then reading the GC profiler (`measure`) assigns their bytes.
 * When the profiler budget is spent, a forced full collection (after the window) frees it.
 */
async function measuredSummary(
  ledger: GcLedger,
  window: CounterWindow,
  timeoutMs = 2000,
): Promise<WindowGcSummary> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    await tick();
    ledger.catchUp();
    if (window.gcSummary().unmeasured > 0) {
      if (!ledger.canMeasure) ledger.collect(getForceGc());
      ledger.measure();
    }
    const summary = window.gcSummary();
    if (summary.unmeasured === 0) return summary;
    assert.ok(performance.now() < deadline, `GCs of the window measured within ${timeoutMs} ms`);
  }
}

function assertWithin(actual: number | null, expected: number, tolerance: number, what: string): void {
  assert.ok(actual !== null, `${what} is known`);
  const low = expected * (1 - tolerance);
  const high = expected * (1 + tolerance);
  assert.ok(
    actual >= low && actual <= high,
    `${what}: ${actual} not within ±${tolerance * 100}% of ${expected} [${low}, ${high}]`,
  );
}

describe('CounterWindow with a real GcLedger', () => {
  test('fast mode: allocatedBytes matches a known 4 MB allocation of retained strings', async (t) => {
    const ledger = new GcLedger();
    t.after(() => ledger.dispose());

    const COUNT = 40_000;
    const LENGTH = 88;
    // 40_000 strings × align8(16 + 88) = 40_000 × 104 = 4_160_000 bytes.
    const expected = COUNT * (16 + LENGTH);

    // Warm up: compile makeStrings and collect its feedback outside the window.
    makeStrings(new Array<string>(1000).fill(''), LENGTH);
    const keep = new Array<string>(COUNT).fill('');
    getForceGc()();

    const window = new CounterWindow(ledger, 'fast');
    makeStrings(keep, LENGTH);
    window.close();

    const summary = await measuredSummary(ledger, window);
    const figures = window.figures(summary, undefined);
    assert.equal(summary.lost, false);
    assert.equal(figures.allocatedUnavailable, undefined);
    assertWithin(figures.allocatedBytes, expected, 0.2, 'allocatedBytes');
    assert.equal(figures.heapDeltaKind, 'raw');
    assert.equal(figures.heapDeltaBytes, figures.heapUsedAfterBytes - figures.heapUsedBeforeBytes);
    assert.equal(figures.arrayBuffersBytes, null);
    assert.equal(figures.rssBytes, null);
    // Still reachable, so the strings were really retained for the whole measurement.
    assert.equal(new Set(keep).size, COUNT);
  });

  test('exact mode: heapDeltaBytes is the ~1 MiB retained, garbage excluded, fixed at header time', async (t) => {
    const ledger = new GcLedger();
    t.after(() => ledger.dispose());
    await quiesceHeap();

    const window = new CounterWindow(ledger, 'exact');
    // new Array(131072) first gets a 1 MiB holey-SMI backing store (garbage once fill(1.5) switches the array to
    // doubles), then the retained FixedDoubleArray: 16 + 131_072 × 8 = 1_048_592 bytes, plus a 32-byte JSArray.
    moduleLevelRetained.push(new Array(131_072).fill(1.5));
    // 2 MB of garbage on top (2000 × 1016 bytes), which an exact delta must not count.
    makeGarbage(2000, 1000);

    const peek = window.peek();
    assert.equal(peek.heapDeltaKind, 'exact');
    assertWithin(peek.heapDeltaBytes, MiB, 0.2, 'exact heapDeltaBytes');

    window.close();
    const figures = window.figures(await measuredSummary(ledger, window), undefined);
    assert.equal(figures.heapDeltaKind, 'exact');
    assert.equal(figures.heapDeltaBytes, peek.heapDeltaBytes, 'the exact delta is fixed at header time');
    assert.ok(figures.gc.forced >= 1, `forced GCs are counted (${figures.gc.forced})`);
    assert.ok(figures.gc.count >= figures.gc.forced);
    // The garbage does count as allocation: at least the retained array and the 2 MB of strings.
    assert.ok(figures.allocatedBytes !== null, `allocatedBytes known (${figures.allocatedUnavailable})`);
    assert.ok(figures.allocatedBytes >= MiB + 2000 * 1016, `allocatedBytes ${figures.allocatedBytes}`);
  });

  test('exact mode: the delta is not skewed by GCs the ledger has not measured yet', async (t) => {
    // Regression: at commit c41edaa the window read the used heap after ledger.settle(), whose own garbage
    // (~1.2 MB after ~300 scavenges) the closing forced GC then freed: 1 MiB retained was reported as 0.25-0.7 MiB.
    const ledger = new GcLedger();
    t.after(() => ledger.dispose());

    // A busy process: ~300 MB of garbage before the request leaves many unmeasured scavenges in the ledger.
    await quiesceHeap();
    makeGarbage(300_000, 1000);
    await tick();

    const window = new CounterWindow(ledger, 'exact');
    moduleLevelRetained.push(new Array(131_072).fill(1.5));
    assertWithin(window.peek().heapDeltaBytes, MiB, 0.2, 'exact heapDeltaBytes');
  });

  test('a window that allocates 30 MB of garbage sees GCs and >= 25 MB allocated', async (t) => {
    const ledger = new GcLedger();
    t.after(() => ledger.dispose());

    const COUNT = 30_000;
    const LENGTH = 1000;
    // 30_000 strings × align8(16 + 1000) = 30_000 × 1016 = 30_480_000 bytes, all dropped immediately.
    const expected = COUNT * 1016;
    makeGarbage(1000, LENGTH);

    const window = new CounterWindow(ledger, 'fast');
    const checksum = makeGarbage(COUNT, LENGTH);
    window.close();
    assert.ok(checksum > 0);

    const summary = await measuredSummary(ledger, window);
    const figures = window.figures(summary, undefined);
    assert.ok(figures.gc.count > 0, `gc.count ${figures.gc.count} > 0`);
    assert.ok(figures.gc.pauseMs >= 0);
    assert.equal(figures.gc.forced, 0);
    const byKindCount = Object.values(figures.gc.byKind).reduce((sum, kind) => sum + kind.count, 0);
    assert.equal(byKindCount, figures.gc.count);
    assert.ok(figures.allocatedBytes !== null, `allocatedBytes known (${figures.allocatedUnavailable})`);
    assert.ok(figures.allocatedBytes >= 25 * MB, `allocatedBytes ${figures.allocatedBytes} >= 25 MB`);
    assertWithin(figures.allocatedBytes, expected, 0.2, 'allocatedBytes');
    // Almost all of it was garbage: the raw heap change is far below what was allocated.
    assert.ok(figures.heapDeltaBytes < figures.allocatedBytes / 2);
  });
  test('a window reaching back past forgotten history reports its collections as lost, not as none', async (t) => {
    const ledger = new GcLedger();
    t.after(() => ledger.dispose());
    const from = performance.now();
    ledger.collect(getForceGc());
    // The observer delivers the collection a loop turn later.
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    // Read the profiler, as a drain does: only events paired with its measurements can be forgotten.
    ledger.measure();
    const to = performance.now();
    const before = ledger.summarize(from, to);
    assert.ok(before.count >= 1, 'the forced collection is in the window');
    assert.equal(before.lost, false);
    ledger.forgetBefore(to);
    const after = ledger.summarize(from, to);
    assert.equal(after.lost, true, 'the window cannot claim to be complete any more');
    assert.equal(ledger.summarize(to, performance.now()).lost, false, 'later windows are unaffected');
  });
});

describe('GcLedger pairing and bounds', () => {
  // One batch recorded from the Express example under load (bench/soak.mjs, process backend): the observer and the
  // profiler saw the same 12 collections in the same order, but timed two of them differently (12.33 vs 7.58 ms,
  // 5.25 vs 0.91 ms). Pairing that compared pauses rejected the first, then paired every later collection with
  // its predecessor's bytes and kept the last measurement for ever: from then on every collection was "lost",
  // nothing read the profiler again, and its native record grew without bound.
  const observed: Array<[GcEvent['kind'], number, number]> = [
    ['scavenge', 16.33, 37320],
    ['scavenge', 23.7, 37640],
    ['scavenge', 10.61, 37725],
    ['scavenge', 10.92, 37838],
    ['scavenge', 15.04, 37966],
    ['scavenge', 12.33, 38191],
    ['scavenge', 9.97, 38357],
    ['scavenge', 8.7, 38551],
    ['scavenge', 24.35, 38754],
    ['scavenge', 7.05, 38884],
    ['incremental-marking', 5.25, 38919],
    ['mark-compact', 15.0, 38971],
  ];
  const event = (kind: GcEvent['kind'], pauseMs: number, start: number): GcEvent => ({
    kind,
    pauseMs,
    start,
    freedBytes: undefined,
    forced: false,
  });
  const noForced = () => undefined;

  test('a batch pairs kind for kind and in order, whatever the pauses', () => {
    const events = observed.map(([kind, pause, start]) => event(kind, pause, start));
    // Freed bytes 1000, 2000, ...: each event must get its own.
    const measured: MeasuredGc[] = observed.map(([kind], i) => ({
      kind,
      freedBytes: (i + 1) * 1000,
      batchStart: 37057,
      batchEnd: 38988,
    }));
    const cursor = pairMeasured(events, 0, measured, noForced);
    assert.equal(cursor, events.length);
    assert.deepEqual(
      events.map((e) => e.freedBytes),
      observed.map((_, i) => (i + 1) * 1000),
    );
    assert.equal(measured.length, 0);
  });

  test('a measurement whose collection was never observed is dropped once its batch is over', () => {
    // The batch [10, 20) measured a scavenge and a mark-compact; only the scavenge was observed in it. The event at
    // 5 fell before the batch.
    const events = [event('scavenge', 1, 5), event('scavenge', 1, 12)];
    const measured: MeasuredGc[] = [
      { kind: 'scavenge', freedBytes: 111, batchStart: 10, batchEnd: 20 },
      { kind: 'mark-compact', freedBytes: 222, batchStart: 10, batchEnd: 20 },
    ];
    let cursor = pairMeasured(events, 0, measured, noForced);
    assert.equal(events[0]?.freedBytes, null, 'before the batch: not measured');
    assert.equal(events[1]?.freedBytes, 111);
    assert.equal(
      measured.length,
      1,
      'the unpaired mark-compact waits while its batch may still be delivered',
    );
    // A later mark-compact, after the batch ended and outside every batch, must not take its bytes.
    events.push(event('mark-compact', 30, 25));
    cursor = pairMeasured(events, cursor, measured, noForced);
    assert.equal(measured.length, 0, 'dropped');
    assert.equal(events[2]?.freedBytes, undefined, 'left for the batch that will measure it');
    // The next batch measures it.
    measured.push({ kind: 'mark-compact', freedBytes: 333, batchStart: 21, batchEnd: 40 });
    cursor = pairMeasured(events, cursor, measured, noForced);
    assert.equal(events[2]?.freedBytes, 333);
    assert.equal(cursor, 3);
  });

  test('the profiler is read every maxUnreadGcs collections even when nothing asks for bytes', async (t) => {
    const bounded = new GcLedger({ maxUnreadGcs: 10 });
    const unbounded = new GcLedger();
    t.after(() => {
      bounded.dispose();
      unbounded.dispose();
    });
    const from = performance.now();
    const gc = getForceGc();
    for (let i = 0; i < 15; i++) {
      gc();
      await tick();
    }
    bounded.catchUp();
    unbounded.catchUp();
    const to = performance.now();
    // Nobody called measure(): only the bound read the profiler.
    const read = bounded.summarize(from, to);
    assert.ok(read.count >= 15, `${read.count} collections observed`);
    assert.ok(
      read.count - read.unmeasured >= 10,
      `${read.count - read.unmeasured} of ${read.count} measured`,
    );
    assert.ok(read.freedKnownBytes > 0);
    const unread = unbounded.summarize(from, to);
    assert.ok(unread.count >= 15);
    assert.equal(unread.unmeasured, unread.count, 'below the default bound nothing is read');
  });
});
