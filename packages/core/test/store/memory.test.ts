import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryStore, summarize } from '../../src/store/memory.js';
import { jsonSize } from '../../src/store/record-size.js';
import type { RequestRecord } from '../../src/types.js';

/** A realistic record, as RequestSession.finish would store it; `n` varies the id, time and figures. */
function makeRecord(
  n: number,
  overrides: { url?: string; parentId?: string; appError?: RequestRecord['appError'] } = {},
): RequestRecord {
  const url = overrides.url ?? `/products/${n}?page=${n % 7}`;
  const record: RequestRecord = {
    version: 1,
    id: `0a1b2c3d-${n.toString(36)}`,
    startedAt: new Date(Date.UTC(2025, 0, 1, 12, 0, 0, n)).toISOString(),
    durationMs: 3.25 + n,
    request: {
      method: n % 3 === 0 ? 'POST' : 'GET',
      url,
      path: url.split('?', 1)[0] as string,
      headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) "quoted"', accept: 'text/html,*/*;q=0.8' },
    },
    response: { statusCode: 200, contentType: 'text/html; charset=utf-8', injected: true, aborted: false },
    memory: {
      heapDeltaBytes: 1024 * n - 5000,
      heapDeltaKind: n % 2 === 0 ? 'exact' : 'raw',
      allocatedBytes: n % 5 === 0 ? null : 250_000 + n,
      heapUsedBeforeBytes: 12_000_000,
      heapUsedAfterBytes: 12_000_000 + 1024 * n - 5000,
      externalDeltaBytes: 0,
      arrayBuffersBytes: 65_536,
      rssBytes: 80_000_000,
      gc: { count: 1, pauseMs: 0.412, forced: 0, byKind: { scavenge: { count: 1, pauseMs: 0.412 } } },
    },
    concurrency: { exclusive: n % 4 !== 0, overlapping: n % 4 === 0 ? 1 : 0 },
    backend: { name: 'process', reason: 'auto: sampling profiler unavailable' },
    overheadMs: 0.037,
    failures: [],
  };
  if (n % 5 === 0) record.memory.allocatedUnavailable = 'a garbage collection in this window was missed';
  if (overrides.parentId !== undefined) record.request.parentId = overrides.parentId;
  if (overrides.appError !== undefined) record.appError = overrides.appError;
  return record;
}

const trueSize = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

describe('MemoryStore bounded by count', () => {
  test('keeps the newest maxRecords, evicting the oldest, listing newest first', () => {
    const store = new MemoryStore({ maxRecords: 100, maxBytes: 100 * 1024 * 1024 });
    const records = Array.from({ length: 150 }, (_, i) => makeRecord(i));
    for (const record of records) store.add(record);

    assert.equal(store.size, 100);
    for (const old of records.slice(0, 50)) assert.equal(store.get(old.id), undefined, `${old.id} evicted`);
    for (const kept of records.slice(50)) assert.equal(store.get(kept.id), kept);

    const listed = store.list();
    assert.equal(listed.length, 100);
    assert.deepEqual(
      listed.map((summary) => summary.id),
      records
        .slice(50)
        .reverse()
        .map((record) => record.id),
    );
    assert.deepEqual(listed[0], summarize(records[149] as RequestRecord));
  });

  test('list(limit) returns the newest `limit` summaries', () => {
    const store = new MemoryStore({ maxRecords: 10, maxBytes: 1024 * 1024 });
    for (let i = 0; i < 5; i++) store.add(makeRecord(i));
    assert.deepEqual(
      store.list(2).map((s) => s.id),
      [makeRecord(4).id, makeRecord(3).id],
    );
    assert.deepEqual(store.list(0), []);
    assert.equal(store.list(50).length, 5);
  });

  test('byte total tracks the serialized size of the kept records', () => {
    const store = new MemoryStore({ maxRecords: 20, maxBytes: 1024 * 1024 });
    for (let i = 0; i < 50; i++) store.add(makeRecord(i));
    const kept = store.list().map((summary) => store.get(summary.id));
    assert.equal(
      store.bytes,
      kept.reduce((sum, record) => sum + trueSize(record), 0),
    );
  });
});

describe('MemoryStore bounded by bytes', () => {
  test('total bytes stay within maxBytes after many adds', () => {
    const recordSize = trueSize(makeRecord(0));
    const maxBytes = Math.floor(recordSize * 5.5);
    const store = new MemoryStore({ maxRecords: 1000, maxBytes });
    for (let i = 0; i < 300; i++) {
      store.add(makeRecord(i, { url: `/search?q=${'x'.repeat(i % 50)}` }));
      assert.ok(store.bytes <= maxBytes, `after ${i + 1} adds: ${store.bytes} <= ${maxBytes}`);
    }
    assert.ok(store.size >= 4 && store.size <= 5, `size ${store.size} near maxBytes / recordSize`);
    // The newest record is always kept; the kept ones are a contiguous newest run.
    const ids = store.list().map((summary) => summary.id);
    assert.deepEqual(
      ids,
      Array.from({ length: ids.length }, (_, k) => makeRecord(299 - k).id),
    );
    const kept = ids.map((id) => store.get(id));
    assert.equal(
      store.bytes,
      kept.reduce((sum, record) => sum + trueSize(record), 0),
    );
  });

  test('a single record bigger than maxBytes is not kept, and the others stay', () => {
    const store = new MemoryStore({ maxRecords: 100, maxBytes: 4096 });
    const small = makeRecord(1);
    store.add(small);
    const bytesBefore = store.bytes;
    const huge = makeRecord(2, { url: `/${'a'.repeat(5000)}` });
    assert.ok(trueSize(huge) > 4096);
    store.add(huge);
    assert.equal(store.get(huge.id), undefined);
    assert.equal(store.get(small.id), small);
    assert.equal(store.size, 1);
    assert.equal(store.bytes, bytesBefore);
  });

  test('re-adding an id replaces the record and its byte count', () => {
    const store = new MemoryStore({ maxRecords: 10, maxBytes: 1024 * 1024 });
    store.add(makeRecord(1));
    store.add(makeRecord(2));
    const replacement = makeRecord(1, { url: '/longer/url/than/before?x=1' });
    store.add(replacement);
    assert.equal(store.size, 2);
    assert.equal(store.get(replacement.id), replacement);
    assert.equal(store.bytes, trueSize(replacement) + trueSize(makeRecord(2)));
    assert.deepEqual(
      store.list().map((s) => s.id),
      [replacement.id, makeRecord(2).id],
    );
  });
});

describe('MemoryStore get, summaries and clear', () => {
  test('get by id; unknown id is undefined', () => {
    const store = new MemoryStore({ maxRecords: 10, maxBytes: 1024 * 1024 });
    const record = makeRecord(7);
    store.add(record);
    assert.equal(store.get(record.id), record);
    assert.equal(store.get('ffffffff-zz'), undefined);
  });

  test('summaries carry the listed fields and parentId only when present', () => {
    const store = new MemoryStore({ maxRecords: 10, maxBytes: 1024 * 1024 });
    const child = makeRecord(5, { parentId: makeRecord(4).id });
    store.add(makeRecord(4));
    store.add(child);
    const [childSummary, parentSummary] = store.list();
    assert.deepEqual(childSummary, {
      id: child.id,
      startedAt: child.startedAt,
      method: child.request.method,
      url: child.request.url,
      statusCode: 200,
      durationMs: child.durationMs,
      heapDeltaBytes: child.memory.heapDeltaBytes,
      heapDeltaKind: 'raw',
      allocatedBytes: null,
      exclusive: true,
      parentId: makeRecord(4).id,
      backend: child.backend.name,
      overlapping: child.concurrency.overlapping,
      hasAllocations: false,
      hasHeap: false,
      ...(child.memory.allocatedUnavailable === undefined
        ? {}
        : { allocatedUnavailable: child.memory.allocatedUnavailable }),
    });
    assert.ok(parentSummary !== undefined && !('parentId' in parentSummary));
  });

  test('clear empties the store and resets the byte count', () => {
    const store = new MemoryStore({ maxRecords: 10, maxBytes: 1024 * 1024 });
    for (let i = 0; i < 5; i++) store.add(makeRecord(i));
    store.clear();
    assert.equal(store.size, 0);
    assert.equal(store.bytes, 0);
    assert.deepEqual(store.list(), []);
    assert.equal(store.get(makeRecord(0).id), undefined);
    store.add(makeRecord(9));
    assert.equal(store.size, 1);
  });
});

describe('jsonSize', () => {
  const values: Array<[label: string, value: unknown]> = [
    ['empty object', {}],
    ['empty array', []],
    ['empty string', ''],
    ['ascii string', 'hello world'],
    ['quotes and backslashes', 'say "hi" \\ C:\\path\\'],
    ['short escapes', 'a\nb\rc\td\be\ff'],
    ['other control characters', '\u0000\u0001\u001f\u000b'],
    ['DEL and C1 controls (not escaped by JSON)', '\u007f\u0080\u009f'],
    ['two-byte UTF-8', 'Grüße, ça va'],
    ['three-byte UTF-8 and U+2028', '日本語 \u2028 \u2029 €'],
    ['astral characters (surrogate pairs)', '😀🚀 𝄞'],
    ['integers', [0, -0, 1, -1, 42, 1234567890123]],
    ['fractions and exponents', [0.5, -3.25, 1e21, 1.5e-7, Number.MAX_SAFE_INTEGER, Number.MIN_VALUE]],
    ['non-finite numbers become null', [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]],
    ['booleans and null', [true, false, null]],
    ['undefined in arrays becomes null', [undefined, 1, undefined]],
    ['undefined fields are skipped', { a: undefined, b: 1, c: undefined }],
    ['only undefined fields', { a: undefined }],
    ['nested objects', { a: { b: { c: [1, { d: 'e' }] } }, f: [] }],
    ['keys needing escapes', { 'quo"te': 1, 'new\nline': 2, ü: 3, '': 4 }],
    ['array of objects', [{ a: 1 }, { b: [true, null] }, {}]],
    [
      'a realistic record',
      makeRecord(3, {
        parentId: 'abcdef01-1',
        appError: { name: 'TypeError', message: 'x is "undefined"\n  at f' },
      }),
    ],
    ['a record with null allocation', makeRecord(5)],
  ];
  for (const [label, value] of values) {
    test(`${label}: equals Buffer.byteLength(JSON.stringify(value))`, () => {
      assert.equal(jsonSize(value), trueSize(value), JSON.stringify(value));
    });
  }

  test('lone surrogates: JSON.stringify escapes them as \\uXXXX', () => {
    for (const value of ['\ud800', 'a\udc00b', { message: 'bad \udfff' }]) {
      assert.equal(jsonSize(value), trueSize(value), JSON.stringify(value));
    }
  });
});
