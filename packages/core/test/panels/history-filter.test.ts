import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  applyHistoryFilter,
  describeFilter,
  filterQuery,
  type HistoryEntry,
  historyEntries,
  isFilterActive,
  parseByteSize,
  parseHistoryFilter,
} from '../../src/panels/history-filter.js';
import { MemoryStore, summarize } from '../../src/store/memory.js';
import { basicSummary, buildProfile, syntheticRecord } from '../helpers/profiles.js';

/** A history entry with every field; `over` changes what a test is about. */
function entry(n: number, over: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    id: `0a1b2c3d-${n.toString(36)}`,
    startedAt: new Date(Date.UTC(2025, 0, 1, 12, 0, n)).toISOString(),
    method: 'GET',
    url: `/page/${n}`,
    statusCode: 200,
    durationMs: 10 + n,
    heapDeltaBytes: 1000,
    heapDeltaKind: 'exact',
    allocatedBytes: 50_000,
    exclusive: true,
    backend: 'sampling',
    overlapping: 0,
    hasAllocations: true,
    hasHeap: false,
    ...over,
  };
}

const ids = (list: readonly HistoryEntry[]) => list.map((item) => item.id);

describe('parseHistoryFilter', () => {
  test('an empty query is no filter, without errors', () => {
    const parsed = parseHistoryFilter('');
    assert.deepEqual(parsed.filter, {});
    assert.deepEqual(parsed.errors, []);
    assert.equal(isFilterActive(parsed.filter), false);
    assert.equal(describeFilter(parsed.filter), '');
  });

  test('every parameter, valid', () => {
    const parsed = parseHistoryFilter(
      '?method=post&status=2XX&q=Cart&min=1.5MB&backend=sampling&parent=0a1b2c3d-1&profile=heap&limit=20',
    );
    assert.deepEqual(parsed.errors, []);
    assert.deepEqual(parsed.filter, {
      method: 'POST',
      status: { text: '2xx', min: 200, max: 299 },
      q: 'Cart',
      minBytes: 1_500_000,
      backend: 'sampling',
      parent: '0a1b2c3d-1',
      profile: 'heap',
      limit: 20,
    });
    assert.equal(parsed.values.min, '1.5MB');
    assert.equal(parsed.values.status, '2XX');
    assert.equal(isFilterActive(parsed.filter), true);
    assert.equal(
      describeFilter(parsed.filter),
      'method POST, status 2xx, URL contains "Cart", allocated or heap delta at least 1.5 MB, backend sampling, calls made by page 0a1b2c3d-1, with heap snapshots',
    );
  });

  test('an exact status code', () => {
    assert.deepEqual(parseHistoryFilter('status=404').filter.status, { text: '404', min: 404, max: 404 });
  });

  test('blank form fields and unknown parameters are ignored', () => {
    const parsed = parseHistoryFilter(
      new URLSearchParams('method=&status=+&q=&min=&backend=&parent=&profile=&limit=&x=1'),
    );
    assert.deepEqual(parsed.filter, {});
    assert.deepEqual(parsed.errors, []);
  });

  test('bad values give one clear message each and are left out; the valid rest applies', () => {
    const parsed = parseHistoryFilter(
      'method=G%20T&status=600&min=lots&backend=magic&parent=../etc&profile=cpu&limit=0&q=ok',
    );
    assert.deepEqual(parsed.filter, { q: 'ok' });
    assert.deepEqual(parsed.errors, [
      '"method" must be an HTTP method such as GET or POST.',
      '"status" must be a status code such as 404, or a class such as 2xx or 5xx.',
      '"min" must be a size in bytes such as 500000, 500KB, 1.5MB or 2MiB.',
      '"backend" must be one of sampling, heap-snapshot, process.',
      '"parent" must be a ramflow request id (the X-Ramflow-Id of a page), such as 1a2b3c4d-1f.',
      '"profile" must be "allocations" (requests with allocation stacks) or "heap" (requests with heap snapshots).',
      '"limit" must be a whole number from 1 to 1000.',
    ]);
    assert.equal(parsed.values.parent, '../etc', 'the form gets the value back to fix it');
  });

  test('a parameter given twice is an error', () => {
    const parsed = parseHistoryFilter('method=GET&method=POST');
    assert.deepEqual(parsed.filter, {});
    assert.deepEqual(parsed.errors, ['Give "method" at most once.']);
  });

  test('limit bounds and a long q', () => {
    assert.equal(parseHistoryFilter('limit=1000').filter.limit, 1000);
    assert.equal(parseHistoryFilter('limit=1001').errors.length, 1);
    assert.equal(parseHistoryFilter('limit=1.5').errors.length, 1);
    assert.equal(parseHistoryFilter(`q=${'a'.repeat(201)}`).errors.length, 1);
  });
});

describe('parseByteSize', () => {
  test('plain bytes, decimal and binary units, any case, optional space', () => {
    assert.equal(parseByteSize('1500'), 1500);
    assert.equal(parseByteSize('500KB'), 500_000);
    assert.equal(parseByteSize('500 kb'), 500_000);
    assert.equal(parseByteSize('1.5MB'), 1_500_000);
    assert.equal(parseByteSize('2MiB'), 2 * 1024 * 1024);
    assert.equal(parseByteSize('1GB'), 1e9);
    assert.equal(parseByteSize('10B'), 10);
    assert.equal(parseByteSize('3k'), 3000);
  });

  test('anything else is undefined', () => {
    for (const text of ['', 'MB', '-5', '1e6', '1.5 XB', '1,5MB', '0x10', '99999999999999999999']) {
      assert.equal(parseByteSize(text), undefined, text);
    }
  });
});

describe('applyHistoryFilter', () => {
  const list = [
    entry(1, { method: 'POST', url: '/api/Cart?id=3', statusCode: 201, parentId: '0a1b2c3d-9' }),
    entry(2, { statusCode: 404, url: '/missing' }),
    entry(3, { statusCode: 500, allocatedBytes: null, heapDeltaBytes: -2_000_000, backend: 'process' }),
    entry(4, { allocatedBytes: 3_000_000, hasAllocations: false, hasHeap: true, backend: 'heap-snapshot' }),
    entry(5, { url: '/cart', parentId: '0a1b2c3d-9' }),
  ];
  const apply = (query: string) => applyHistoryFilter(list, parseHistoryFilter(query).filter);

  test('no filter keeps everything in order', () => {
    const result = apply('');
    assert.deepEqual(ids(result.entries), ids(list));
    assert.equal(result.matched, 5);
    assert.equal(result.total, 5);
  });

  test('method, status class and exact status', () => {
    assert.deepEqual(ids(apply('method=post').entries), [list[0]?.id]);
    assert.deepEqual(ids(apply('status=2xx').entries), ids([list[0], list[3], list[4]] as HistoryEntry[]));
    assert.deepEqual(ids(apply('status=404').entries), [list[1]?.id]);
    assert.deepEqual(ids(apply('status=5xx').entries), [list[2]?.id]);
  });

  test('q is a case-insensitive substring of the URL, query string included', () => {
    assert.deepEqual(ids(apply('q=cart').entries), ids([list[0], list[4]] as HistoryEntry[]));
    assert.deepEqual(ids(apply('q=ID%3D3').entries), [list[0]?.id]);
  });

  test('min matches allocated or the absolute heap delta; a null allocation counts only its heap delta', () => {
    assert.deepEqual(ids(apply('min=1MB').entries), ids([list[2], list[3]] as HistoryEntry[]));
    assert.deepEqual(ids(apply('min=2.5MB').entries), [list[3]?.id]);
  });

  test('backend, parent and profile', () => {
    assert.deepEqual(ids(apply('backend=process').entries), [list[2]?.id]);
    assert.deepEqual(ids(apply('parent=0a1b2c3d-9').entries), ids([list[0], list[4]] as HistoryEntry[]));
    assert.deepEqual(ids(apply('profile=heap').entries), [list[3]?.id]);
    assert.equal(apply('profile=allocations').matched, 4);
  });

  test('criteria combine, and limit keeps the newest after matching', () => {
    const result = apply('status=2xx&limit=2');
    assert.equal(result.matched, 3);
    assert.deepEqual(ids(result.entries), ids([list[0], list[3]] as HistoryEntry[]));
    assert.equal(apply('status=2xx&q=cart&method=GET').matched, 1);
  });

  test('plain store summaries cannot be checked for backend or profile: left out, and said so', () => {
    const summaries = [
      basicSummary(syntheticRecord('0a1b2c3d-1')),
      basicSummary(syntheticRecord('0a1b2c3d-2')),
    ];
    const byBackend = applyHistoryFilter(summaries, parseHistoryFilter('backend=process').filter);
    assert.equal(byBackend.matched, 0);
    assert.equal(byBackend.undetermined, 2);
    assert.deepEqual(byBackend.notes, [
      "2 requests left out: the store's summaries do not say which backend measured them.",
    ]);
    const byProfile = applyHistoryFilter(summaries, parseHistoryFilter('profile=allocations').filter);
    assert.deepEqual(byProfile.notes, [
      "2 requests left out: the store's summaries do not say whether they have allocation stacks.",
    ]);
    // Criteria a summary does carry still work.
    assert.equal(applyHistoryFilter(summaries, parseHistoryFilter('status=2xx').filter).matched, 2);
  });
});

describe('filterQuery and historyEntry', () => {
  test('filterQuery round-trips through parseHistoryFilter', () => {
    const { filter } = parseHistoryFilter(
      'method=GET&status=4xx&q=a b&min=2MB&backend=process&parent=0a1b2c3d-1&profile=allocations&limit=5',
    );
    assert.deepEqual(parseHistoryFilter(filterQuery(filter)).filter, filter);
    assert.equal(filterQuery({}), '');
  });

  test('summarize carries the fields History shows and filters on', () => {
    const record = syntheticRecord('0a1b2c3d-7', {
      allocations: buildProfile({ f: {} }, [{ frame: 'f', self: 4096, children: [] }]),
    });
    record.request.parentId = '0a1b2c3d-6';
    record.memory.allocatedBytes = null;
    record.memory.allocatedUnavailable = 'a collection was missed';
    record.concurrency = { exclusive: false, overlapping: 2 };
    assert.deepEqual(summarize(record), {
      id: record.id,
      startedAt: record.startedAt,
      method: record.request.method,
      url: record.request.url,
      statusCode: record.response.statusCode,
      durationMs: record.durationMs,
      heapDeltaBytes: record.memory.heapDeltaBytes,
      heapDeltaKind: record.memory.heapDeltaKind,
      allocatedBytes: null,
      exclusive: false,
      parentId: '0a1b2c3d-6',
      backend: 'sampling',
      overlapping: 2,
      hasAllocations: true,
      hasHeap: false,
      allocatedUnavailable: 'a collection was missed',
    });
  });

  test("historyEntries fills in a basic store's summaries; an evicted record keeps its summary", async () => {
    const store = new MemoryStore({ maxRecords: 10, maxBytes: 1e7 });
    const kept = syntheticRecord('0a1b2c3d-1');
    store.add(kept);
    // What a store that knows only the basic fields would list.
    const basic = ({
      backend,
      overlapping,
      hasAllocations,
      hasHeap,
      ...rest
    }: ReturnType<typeof summarize>) => rest;
    const evicted = basic(summarize(syntheticRecord('0a1b2c3d-2')));
    const entries = await historyEntries(store, [evicted, basic(summarize(kept))]);
    assert.deepEqual(entries, [evicted, summarize(kept)]);
  });
});
