/**
 * The Downloads panel: every download of a request with what opens it, a link when it exists and the reason
 * when it does not (no sampling profile, no snapshots, snapshot files off by default or gone); the links are
 * the dashboard's routes (checked over HTTP) and the markup is escaped.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type DownloadEntry, type DownloadsPanel, downloadsPanel } from '../../src/panels/downloads.js';
import { createRamflow } from '../../src/ramflow.js';
import { MemoryStore } from '../../src/store/memory.js';
import { type ConformanceServer, rawRequest, serveOnLoopback } from '../../src/testing/index.js';
import { Templates } from '../../src/toolbar/templates.js';
import type { HeapObjectsDiff, Ramflow, RamflowLogger, RequestRecord } from '../../src/types.js';
import { syntheticRecord, typicalProfile } from '../helpers/profiles.js';

const BASE = '/__ramflow';
const XSS = '<img src=x onerror=alert(1)>';

function heap(downloadable: boolean): HeapObjectsDiff {
  return {
    newObjects: [
      {
        constructorName: 'LeakyWidget',
        type: 'object',
        count: 2,
        selfBytes: 80,
        retainedBytes: 80,
        nativeBytes: 0,
        paths: [],
      },
    ],
    totals: { count: 2, selfBytes: 80, nativeBytes: 0 },
    snapshots: {
      beforeMs: 40,
      afterMs: 42,
      beforeBytes: 9_000_000,
      afterBytes: 9_500_000,
      nodes: 60_000,
      edges: 240_000,
      analysisMs: 30,
    },
    downloadable,
    notes: [],
  };
}

/** Sampled and snapshotted: everything exists. */
function fullRecord(id = '0a1b2c3d-11', downloadable = true): RequestRecord {
  const record = syntheticRecord(id, { allocations: typicalProfile() });
  record.heap = heap(downloadable);
  return record;
}

function byKey(panel: DownloadsPanel): Record<string, DownloadEntry> {
  return Object.fromEntries(panel.entries.map((entry) => [entry.key, entry]));
}

describe('downloadsPanel', () => {
  test('with a profile, snapshots and allowHeapSnapshots: all seven, at their routes', () => {
    const panel = downloadsPanel(fullRecord(), { basePath: BASE, allowHeapSnapshots: true });
    assert.equal(panel.availableCount, 7);
    assert.equal(panel.snapshotHref, undefined);
    const api = `${BASE}/api/requests/0a1b2c3d-11`;
    assert.deepEqual(
      panel.entries.map((entry) => [entry.key, entry.label, entry.href, entry.filename, entry.reason]),
      [
        [
          'heapprofile',
          '.heapprofile',
          `${api}/profile.heapprofile`,
          'ramflow-0a1b2c3d-11.heapprofile',
          undefined,
        ],
        ['pprof', '.pb.gz', `${api}/profile.pb.gz`, 'ramflow-0a1b2c3d-11.pb.gz', undefined],
        [
          'speedscope',
          '.speedscope.json',
          `${api}/profile.speedscope.json`,
          'ramflow-0a1b2c3d-11.speedscope.json',
          undefined,
        ],
        [
          'before-heapsnapshot',
          'before.heapsnapshot',
          `${api}/before.heapsnapshot`,
          'ramflow-0a1b2c3d-11-before.heapsnapshot',
          undefined,
        ],
        [
          'after-heapsnapshot',
          'after.heapsnapshot',
          `${api}/after.heapsnapshot`,
          'ramflow-0a1b2c3d-11-after.heapsnapshot',
          undefined,
        ],
        ['heap-diff', 'heap.json', `${api}/heap.json`, 'ramflow-0a1b2c3d-11-heap.json', undefined],
        ['raw', '.json', api, 'ramflow-0a1b2c3d-11.json', undefined],
      ],
    );
    const entries = byKey(panel);
    assert.match(entries.heapprofile?.description ?? '', /Chrome DevTools' Memory tab.*speedscope/);
    assert.match(entries.pprof?.description ?? '', /go tool pprof/);
    assert.match(entries.speedscope?.description ?? '', /speedscope/);
    assert.match(entries['after-heapsnapshot']?.description ?? '', /Comparison view/);
    assert.equal(entries['before-heapsnapshot']?.size, '9 MB');
    assert.equal(entries['after-heapsnapshot']?.size, '9.5 MB');
    assert.match(entries.raw?.description ?? '', /RequestRecord/);
  });

  test('snapshot files are off by default: why, while the diff is still there', () => {
    const entries = byKey(downloadsPanel(fullRecord(), { basePath: BASE, allowHeapSnapshots: false }));
    for (const key of ['before-heapsnapshot', 'after-heapsnapshot']) {
      const entry = entries[key];
      assert.equal(entry?.available, false);
      assert.equal(entry?.href, undefined);
      assert.equal(entry?.filename, undefined);
      assert.equal(entry?.size, undefined);
      assert.match(entry?.reason ?? '', /off by default.*secrets.*allowHeapSnapshots: true.*\.$/);
    }
    assert.equal(entries['heap-diff']?.available, true);
  });

  test('snapshots taken while downloads were off, or files gone since', () => {
    const notKept = byKey(
      downloadsPanel(fullRecord('0a1b2c3d-12', false), { basePath: BASE, allowHeapSnapshots: true }),
    );
    assert.match(notKept['after-heapsnapshot']?.reason ?? '', /not kept for this request/);
    const gone = byKey(
      downloadsPanel(fullRecord(), {
        basePath: BASE,
        allowHeapSnapshots: true,
        snapshotFile: (id, side) => (side === 'before' ? `/tmp/${id}-before.heapsnapshot` : undefined),
      }),
    );
    assert.equal(gone['before-heapsnapshot']?.available, true);
    assert.equal(gone['after-heapsnapshot']?.available, false);
    assert.match(
      gone['after-heapsnapshot']?.reason ?? '',
      /^the after snapshot file is gone: ramflow keeps the files of the last 3 snapshot requests for 10 minutes\.$/,
    );
  });

  test('no profile and no snapshots: the backend says why, the record is always there', () => {
    const record = syntheticRecord('0a1b2c3d-13', { url: '/products?page=2' });
    const panel = downloadsPanel(record, { basePath: '', allowHeapSnapshots: true });
    assert.equal(panel.availableCount, 1);
    const entries = byKey(panel);
    for (const key of ['heapprofile', 'pprof', 'speedscope'])
      assert.equal(
        entries[key]?.reason,
        'no allocation profile: the process backend measured this request (auto: sampling profiler unavailable), not the sampling profiler.',
      );
    for (const key of ['before-heapsnapshot', 'after-heapsnapshot', 'heap-diff'])
      assert.match(
        entries[key]?.reason ?? '',
        /^no heap snapshot was taken for this request; ask for one with \?ramflow=snapshot/,
      );
    assert.equal(entries.raw?.href, '/api/requests/0a1b2c3d-13');
    assert.equal(panel.snapshotHref, '/products?page=2&ramflow=snapshot');
  });

  test("the record's own reasons come first", () => {
    const record = syntheticRecord('0a1b2c3d-14', { allocationsUnavailable: 'DevTools owns the profiler' });
    record.heapUnavailable = 'not enough memory for a heap snapshot';
    const panel = downloadsPanel(record, { basePath: BASE, allowHeapSnapshots: false });
    const entries = byKey(panel);
    assert.equal(entries.pprof?.reason, 'no allocation profile: DevTools owns the profiler.');
    assert.equal(
      entries['before-heapsnapshot']?.reason,
      'no heap snapshot was taken for this request: not enough memory for a heap snapshot.',
      'not taken comes before off by default',
    );
    assert.equal(panel.snapshotHref, undefined, 'asking again would be refused the same way');
  });

  test('a sampling record without samples', () => {
    const record = syntheticRecord('0a1b2c3d-15');
    record.backend = { name: 'sampling', reason: 'memoryBackend: sampling' };
    assert.equal(
      byKey(downloadsPanel(record, { basePath: BASE, allowHeapSnapshots: false })).pprof?.reason,
      'no allocation profile was recorded for this request.',
    );
  });
});

describe('rendering', () => {
  const templates = new Templates();

  test('links with download names for what exists, the reason for what does not', () => {
    const html = templates.render(
      'panels/downloads',
      downloadsPanel(fullRecord(), { basePath: BASE, allowHeapSnapshots: false }),
    );
    assert.match(html, /5 of 7 downloads available/);
    assert.match(
      html,
      /<a class="rf-fn" href="\/__ramflow\/api\/requests\/0a1b2c3d-11\/profile\.heapprofile" download="ramflow-0a1b2c3d-11\.heapprofile">\.heapprofile<\/a>/,
    );
    assert.match(html, /<li class="rf-download" data-download="before-heapsnapshot" data-available="false">/);
    assert.match(html, /<span class="rf-fn rf-download-off">before\.heapsnapshot<\/span>/);
    assert.doesNotMatch(html, /href="[^"]*\.heapsnapshot"/);
    assert.match(html, /Not available: heap snapshot downloads are off by default/);
    assert.doesNotMatch(html, /style=/);
  });

  test('reasons and URLs from the request are escaped', () => {
    const record = syntheticRecord('0a1b2c3d-16', { allocationsUnavailable: XSS, url: `/x?q="><script>` });
    record.heapUnavailable = `${XSS} "><script>alert(1)</script>`;
    const html = templates.render(
      'panels/downloads',
      downloadsPanel(record, { basePath: BASE, allowHeapSnapshots: true }),
    );
    assert.doesNotMatch(html, /<img/);
    assert.doesNotMatch(html, /<script/);
    assert.match(html, /no allocation profile: &lt;img src&#x3D;x onerror&#x3D;alert\(1\)&gt;\./);
  });

  test('the offer to take snapshots, for a same-origin GET', () => {
    const html = templates.render(
      'panels/downloads',
      downloadsPanel(syntheticRecord('0a1b2c3d-17', { url: '/fixed' }), {
        basePath: BASE,
        allowHeapSnapshots: true,
      }),
    );
    assert.match(html, /<a href="\/fixed\?ramflow(=|&#x3D;)snapshot" rel="nofollow">/);
  });
});

describe('the links answer over HTTP', () => {
  let server: ConformanceServer;
  let ramflow: Ramflow;
  const quiet: RamflowLogger = { info() {}, warn() {}, error() {} };
  const FULL = '0a1b2c3d-21';
  const BARE = '0a1b2c3d-22';

  before(async () => {
    const store = new MemoryStore({ maxRecords: 10, maxBytes: 10 * 1024 * 1024 });
    store.add(fullRecord(FULL, false));
    store.add(syntheticRecord(BARE));
    ramflow = createRamflow({ store, memoryBackend: 'process', logger: quiet });
    server = await serveOnLoopback(
      (req, res) => {
        const info = {
          method: req.method ?? 'GET',
          url: req.url ?? '/',
          headers: req.headers,
          remoteAddress: req.socket.remoteAddress,
        };
        if (ramflow.isOwnPath(info.url)) void ramflow.handle(info, req, res);
        else res.end('app');
      },
      () => ramflow.close(),
    );
  });
  after(() => server.close());

  test('each available link downloads its file under the offered name; the others answer 404', async () => {
    for (const id of [FULL, BARE]) {
      const record = await ramflow.store.get(id);
      assert.ok(record);
      const panel = downloadsPanel(record, { basePath: BASE, allowHeapSnapshots: false });
      for (const entry of panel.entries) {
        const route = {
          heapprofile: 'profile.heapprofile',
          pprof: 'profile.pb.gz',
          speedscope: 'profile.speedscope.json',
          'before-heapsnapshot': 'before.heapsnapshot',
          'after-heapsnapshot': 'after.heapsnapshot',
          'heap-diff': 'heap.json',
          raw: '',
        }[entry.key];
        const url = `${BASE}/api/requests/${id}${route === '' ? '' : `/${route}`}`;
        const res = await rawRequest(server.baseUrl, url);
        if (entry.available) {
          assert.equal(entry.href, url);
          assert.equal(res.status, 200, `${entry.key} of ${id}`);
          if (entry.key !== 'raw')
            assert.equal(res.headers['content-disposition'], `attachment; filename="${entry.filename}"`);
        } else {
          assert.equal(res.status, 404, `${entry.key} of ${id}: ${entry.reason}`);
        }
      }
    }
  });
});
