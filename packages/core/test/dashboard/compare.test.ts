import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareError, comparePage, parseCompareQuery } from '../../src/dashboard/compare/page.js';
import type { CompareIds, ComparePageData, CompareView } from '../../src/dashboard/compare/view.js';
import { Templates } from '../../src/toolbar/templates.js';
import type { HeapObjectGroup, HeapObjectsDiff, RequestRecord } from '../../src/types.js';
import { at, buildProfile, syntheticRecord } from '../helpers/profiles.js';

const BASE = '/__ramflow';
const A = '0a1b2c3d-1';
const B = '0a1b2c3d-2';

const frames = {
  handler: { url: 'file:///srv/app/src/routes/cart.js', line: 12 },
  render: { url: 'file:///srv/app/src/views/render.js', line: 40 },
  query: { url: 'file:///srv/app/node_modules/pg/lib/client.js', line: 300, kind: 'dependency' as const },
  onlyInB: { url: 'file:///srv/app/src/new.js', line: 3 },
};

function recordA(): RequestRecord {
  const record = syntheticRecord(A, {
    url: '/cart?page=1',
    allocations: buildProfile(frames, [at('handler', 1_000, at('render', 30_000), at('query', 8_000))], {
      samplingInterval: 1024,
    }),
  });
  record.startedAt = '2025-01-01T12:00:00.000Z';
  record.durationMs = 20;
  record.memory.heapDeltaBytes = 1_000_000;
  record.memory.heapDeltaKind = 'exact';
  record.memory.allocatedBytes = 4_000_000;
  record.memory.externalDeltaBytes = 0;
  record.memory.gc = { count: 1, pauseMs: 0.5, forced: 0, byKind: {} };
  return record;
}

function recordB(): RequestRecord {
  const record = syntheticRecord(B, {
    url: '/cart?page=2',
    allocations: buildProfile(frames, [at('handler', 1_000, at('render', 80_000), at('onlyInB', 5_000))], {
      samplingInterval: 1024,
    }),
  });
  record.startedAt = '2025-01-01T12:00:03.500Z';
  record.durationMs = 35.5;
  record.memory.heapDeltaBytes = 3_500_000;
  record.memory.heapDeltaKind = 'exact';
  record.memory.allocatedBytes = 2_500_000;
  record.memory.externalDeltaBytes = 64_000;
  record.memory.gc = { count: 3, pauseMs: 2.5, forced: 0, byKind: {} };
  return record;
}

function group(name: string, count: number, retainedBytes: number): HeapObjectGroup {
  return {
    constructorName: name,
    type: 'object',
    count,
    selfBytes: count * 32,
    retainedBytes,
    nativeBytes: 0,
    paths: [],
  };
}

function heap(groups: HeapObjectGroup[]): HeapObjectsDiff {
  return {
    newObjects: groups,
    totals: {
      count: groups.reduce((sum, g) => sum + g.count, 0),
      selfBytes: groups.reduce((sum, g) => sum + g.selfBytes, 0),
      nativeBytes: 0,
    },
    snapshots: {
      beforeMs: 10,
      afterMs: 11,
      beforeBytes: 1e6,
      afterBytes: 1e6,
      nodes: 10,
      edges: 20,
      analysisMs: 5,
    },
    downloadable: false,
    notes: [],
  };
}

const ids = (explicit = true): CompareIds => ({ a: A, b: B, explicit });

function view(data: ComparePageData): CompareView {
  assert.equal(data.ok, true, data.ok ? '' : data.messages.join(' '));
  return data as CompareView;
}

const rowOf = (data: CompareView, label: string) => {
  const found = data.rows.find((row) => row.label === label);
  assert.ok(found, `row ${label}`);
  return found;
};

describe('parseCompareQuery', () => {
  test('a and b, in that order', () => {
    assert.deepEqual(parseCompareQuery(`?a=${B}&b=${A}`), { a: B, b: A, explicit: true });
  });

  test('two id values from the history checkboxes', () => {
    assert.deepEqual(parseCompareQuery(`id=${B}&id=${A}`), { a: B, b: A, explicit: false });
  });

  test('clear messages for every wrong shape', () => {
    const error = (query: string) => {
      const parsed = parseCompareQuery(query);
      assert.ok('error' in parsed, query);
      return parsed.error;
    };
    assert.match(error(''), /^Tick two requests in the history/);
    assert.equal(error(`id=${A}`), 'Only one request was ticked: tick two to compare them.');
    assert.equal(
      error(`id=${A}&id=${B}&id=0a1b2c3d-3`),
      '3 requests were ticked: tick exactly two to compare them.',
    );
    assert.match(error(`a=${A}`), /^Give exactly one "a" and one "b"/);
    assert.match(error(`a=${A}&a=${B}&b=${B}`), /^Give exactly one "a" and one "b"/);
    assert.equal(error(`a=${A}&b=<script>`), 'Request B is not a ramflow request id.');
    assert.equal(error(`id=nope&id=${B}`), 'Request A is not a ramflow request id.');
    assert.equal(error(`a=${A}&b=${A}`), 'A and B are the same request: pick two different ones.');
  });
});

describe('comparePage', () => {
  test('missing or evicted records: a 404 naming each', () => {
    const data = comparePage(undefined, recordB(), ids(), BASE);
    assert.equal(data.ok, false);
    assert.equal(data.status, 404);
    assert.deepEqual(!data.ok && data.messages, [
      `No record for request A (${A}): it may have been evicted from the bounded history.`,
    ]);
    const both = comparePage(undefined, undefined, ids(), BASE);
    assert.equal(!both.ok && both.messages.length, 2);
  });

  test('checkbox order: the older request is A', () => {
    const data = view(comparePage(recordB(), recordA(), { a: B, b: A, explicit: false }, BASE));
    assert.equal(data.a.id, A);
    assert.equal(data.b.id, B);
    assert.match(data.orderNote, /A is the older request/);
    assert.equal(data.swapHref, `/__ramflow/compare?a=${B}&b=${A}`);
  });

  test('explicit order is kept', () => {
    const data = view(comparePage(recordB(), recordA(), { a: B, b: A, explicit: true }, BASE));
    assert.equal(data.a.id, B);
  });

  test('figures side by side with signed B − A and a direction word', () => {
    const data = view(comparePage(recordA(), recordB(), ids(), BASE));
    assert.equal(data.status, 200);
    assert.deepEqual(rowOf(data, 'Started').diff, 'B 3.5 s after A');
    assert.equal(rowOf(data, 'Request').diff, 'same path, different query');
    assert.equal(rowOf(data, 'Status').diff, 'same');
    const duration = rowOf(data, 'Duration');
    assert.deepEqual([duration.a.text, duration.b.text, duration.diff], ['20 ms', '36 ms', '+16 ms slower']);
    const heapDelta = rowOf(data, 'Heap delta');
    assert.deepEqual(
      [heapDelta.a.text, heapDelta.b.text, heapDelta.diff, heapDelta.direction],
      ['+1 MB (exact)', '+3.5 MB (exact)', '+2.5 MB more', 'up'],
    );
    const allocated = rowOf(data, 'Allocated');
    assert.deepEqual([allocated.diff, allocated.direction], ['-1.5 MB less', 'down']);
    assert.equal(rowOf(data, 'GC count').diff, '+2 more');
    assert.equal(rowOf(data, 'GC pause').diff, '+2.0 ms longer');
    assert.equal(rowOf(data, 'External delta').diff, '+64 KB more');
    assert.equal(rowOf(data, 'Overlap').diff, 'both exclusive');
    assert.equal(rowOf(data, 'Backend').diff, 'same');
    assert.equal(rowOf(data, 'ramflow overhead').diff, 'same');
    assert.deepEqual(data.warnings, []);
  });

  test('a figure a side lacks is n/a with its reason, and so is the difference', () => {
    const b = recordB();
    b.memory.allocatedBytes = null;
    b.memory.allocatedUnavailable = 'a garbage collection in this window was missed';
    const data = view(comparePage(recordA(), b, ids(), BASE));
    const allocated = rowOf(data, 'Allocated');
    assert.deepEqual(allocated.b, {
      text: 'n/a: a garbage collection in this window was missed',
      title: undefined,
      na: true,
    });
    assert.equal(allocated.diff, 'n/a: B has no allocated figure');
    assert.equal(allocated.direction, 'na');
    const live = rowOf(data, 'New live objects');
    assert.match(live.a.text, /^n\/a: no heap snapshots were taken for it/);
    assert.equal(live.diff, 'n/a: A has no heap snapshots');
  });

  test('raw deltas, shared windows and different backends are called out', () => {
    const a = recordA();
    a.memory.heapDeltaKind = 'raw';
    const b = recordB();
    b.concurrency = { exclusive: false, overlapping: 2 };
    b.backend = { name: 'process', reason: 'forced' };
    delete b.allocations;
    const data = view(comparePage(a, b, ids(), BASE));
    const heapDelta = rowOf(data, 'Heap delta');
    assert.equal(heapDelta.a.text, '~+1 MB (raw)');
    assert.equal(heapDelta.diff, '~+2.5 MB more');
    assert.equal(rowOf(data, 'Overlap').b.text, 'shared ×2');
    assert.deepEqual(data.warnings, [
      'B shared its window with 2 other profiled requests: its figures include theirs, so part of any difference may be theirs.',
      'One heap delta is exact (live heap after a collection) and the other raw (includes uncollected garbage): their difference mixes the two.',
      'The requests were measured by different backends (A: sampling, B: process): only the process figures are comparable one to one.',
    ]);
    assert.equal(data.flameSrc, undefined);
    assert.match(
      data.flameUnavailable ?? '',
      /B: the sampling backend did not run for it \(backend process\)/,
    );
    assert.deepEqual(data.functions, {
      available: false,
      reasons: ['B: n/a: the sampling backend did not run for it (backend process)'],
    });
  });

  test('functions matched by name, script and line, largest change first', () => {
    const data = view(comparePage(recordA(), recordB(), ids(), BASE));
    assert.ok(data.functions.available);
    const rows = data.functions.rows.map((row) => [row.name, row.a.text, row.b.text, row.diff]);
    assert.deepEqual(rows, [
      ['render', '30 KB', '80 KB', '~+50 KB more'],
      ['query', '8 KB', 'not sampled', '~-8 KB less'],
      ['onlyInB', 'not sampled', '5 KB', '~+5 KB more'],
      ['handler', '1 KB', '1 KB', 'same'],
    ]);
    assert.match(data.functions.rows[1]?.b.title ?? '', /no sample landed in it in B's profile/);
    assert.equal(data.flameSrc, `/__ramflow/api/compare/flamegraph.json?a=${A}&b=${B}`);
    assert.match(data.samplingNote, /sampled estimates on both sides/);
  });

  test('a function moved to another line is a different function', () => {
    const b = recordB();
    const render = b.allocations?.frames.find((frame) => frame.name === 'render');
    assert.ok(render);
    render.line = 41;
    const data = view(comparePage(recordA(), b, ids(), BASE));
    assert.ok(data.functions.available);
    assert.equal(data.functions.rows.filter((row) => row.name === 'render').length, 2);
  });

  test('heap objects by class when both have snapshots', () => {
    const a = recordA();
    a.heap = heap([group('Widget', 10, 10_000), group('Gone', 2, 500)]);
    const b = recordB();
    b.heap = heap([group('Widget', 110, 110_000), group('Fresh', 1, 2_000)]);
    const data = view(comparePage(a, b, ids(), BASE));
    assert.ok(data.heapObjects.available);
    assert.deepEqual(
      data.heapObjects.rows.map((row) => [row.name, row.aCount, row.bCount, row.countDiff, row.retainedDiff]),
      [
        ['Widget', '10', '110', '+100 more', '+100 KB more'],
        ['Fresh', '0', '1', '+1 more', '+2 KB more'],
        ['Gone', '2', '0', '-2 fewer', '-500 B less'],
      ],
    );
    const live = rowOf(data, 'New live objects');
    assert.equal(live.a.text, '12 objects, 384 B');
  });

  test('heap objects: n/a with the reasons when a side has no snapshots', () => {
    const a = recordA();
    a.heapUnavailable = 'not enough memory for a snapshot.';
    const data = view(comparePage(a, recordB(), ids(), BASE));
    assert.deepEqual(data.heapObjects, {
      available: false,
      reasons: [
        'A: n/a: not enough memory for a snapshot',
        'B: n/a: no heap snapshots were taken for it (ask with ?ramflow=snapshot)',
      ],
    });
  });
});

describe('dashboard/compare template', () => {
  const render = (data: ComparePageData) => new Templates().render('dashboard/compare', data);

  test('the page: assets, flame container, signed differences, n/a reasons, no inline script or style', () => {
    const b = recordB();
    b.memory.allocatedBytes = null;
    b.memory.allocatedUnavailable = 'missed a collection';
    const html = render(comparePage(recordA(), b, ids(), BASE));
    for (const asset of ['dashboard.css', 'panels.css', 'flamegraph.css']) {
      assert.match(html, new RegExp(`<link rel="stylesheet" href="/__ramflow/assets/${asset}">`));
    }
    assert.match(html, /<script src="\/__ramflow\/assets\/flamegraph\.js" defer><\/script>/);
    assert.match(html, /<script src="\/__ramflow\/assets\/dashboard\.js" defer><\/script>/);
    assert.match(
      html,
      /<div class="rf-flame" data-src="\/__ramflow\/api\/compare\/flamegraph\.json\?a&#x3D;0a1b2c3d-1&amp;b&#x3D;0a1b2c3d-2" data-mode="diff"><\/div>/,
    );
    assert.match(html, /data-direction="up">\+2\.5 MB more</);
    assert.match(html, /data-direction="up">\+16 ms slower</);
    assert.match(html, /data-na="true">n\/a: missed a collection</);
    assert.match(html, />n\/a: B has no allocated figure</);
    assert.match(html, /sampled estimates on both sides/);
    assert.match(html, /~\+50 KB more/);
    assert.doesNotMatch(html, /style=/);
    assert.doesNotMatch(html, /<script>/);
  });

  test('request-controlled text is escaped', () => {
    const a = recordA();
    a.request.url = '/x?<script>alert(1)</script>';
    const b = recordB();
    b.appError = { name: 'Error', message: '<b>' };
    const frame = b.allocations?.frames.find((f) => f.name === 'onlyInB');
    assert.ok(frame);
    frame.name = '<img src=x onerror=alert(1)>';
    const html = render(comparePage(a, b, ids(), BASE));
    assert.doesNotMatch(html, /<script>alert/);
    assert.doesNotMatch(html, /<img src=x/);
    assert.match(html, /\/x\?&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(html, /&lt;img src&#x3D;x onerror&#x3D;alert\(1\)&gt;/);
  });

  test('error pages: bad query and evicted records', () => {
    const bad = render(compareError(BASE, 'Only one request was ticked: tick two to compare them.'));
    assert.match(bad, /<p class="error">Only one request was ticked: tick two to compare them\.<\/p>/);
    assert.match(bad, /href="\/__ramflow\/requests">Back to the history<\/a>/);
    assert.doesNotMatch(bad, /rf-flame/);
    const gone = render(comparePage(recordA(), undefined, ids(), BASE));
    assert.match(gone, /No record for request B \(0a1b2c3d-2\): it may have been evicted/);
  });

  test('without profiles the flame container is replaced by the reason', () => {
    const a = recordA();
    delete a.allocations;
    a.allocationsUnavailable = 'sampling was skipped under load';
    const html = render(comparePage(a, recordB(), ids(), BASE));
    assert.doesNotMatch(html, /class="rf-flame"/);
    assert.match(
      html,
      /No flame graph diff: it needs allocation stacks on both sides\. A: sampling was skipped under load/,
    );
    assert.match(html, /A: n\/a: sampling was skipped under load/);
  });
});
