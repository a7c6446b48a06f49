import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { COMPACT_ROWS, type HistoryPanelOptions, historyPanel } from '../../src/panels/history.js';
import { type HistoryEntry, parseHistoryFilter } from '../../src/panels/history-filter.js';
import { Templates } from '../../src/toolbar/templates.js';
import { basicSummary, syntheticRecord } from '../helpers/profiles.js';

const SEVERITY = { warnBytes: 1_000_000, dangerBytes: 10_000_000 };
const BASE = '/__ramflow';

function entry(n: number, over: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    id: `0a1b2c3d-${n.toString(36)}`,
    startedAt: new Date(Date.UTC(2025, 0, 1, 12, 0, n)).toISOString(),
    method: 'GET',
    url: `/page/${n}`,
    statusCode: 200,
    durationMs: 12.5,
    heapDeltaBytes: 2_300_000,
    heapDeltaKind: 'exact',
    allocatedBytes: 5_100_000,
    exclusive: true,
    backend: 'sampling',
    overlapping: 0,
    hasAllocations: true,
    hasHeap: false,
    ...over,
  };
}

const full = (over: Partial<HistoryPanelOptions> = {}): HistoryPanelOptions => ({
  basePath: BASE,
  severity: SEVERITY,
  ...over,
});

/** Renders the dashboard history page as the handler would. */
function renderPage(entries: readonly HistoryEntry[], query = ''): string {
  const parsed = parseHistoryFilter(query);
  return new Templates().render('dashboard/history', {
    basePath: BASE,
    backendName: 'sampling',
    backendReason: 'auto: inspector available',
    history: historyPanel(entries, {
      basePath: BASE,
      severity: SEVERITY,
      filter: parsed.filter,
      filterValues: parsed.values,
      filterErrors: parsed.errors,
    }),
  });
}

describe('historyPanel rows', () => {
  test('a row has the figures, formatted, with links', () => {
    const panel = historyPanel([entry(1, { parentId: '0a1b2c3d-0' })], full());
    const row = panel.groups[0]?.rows[0];
    assert.ok(row);
    assert.equal(row.href, '/__ramflow/requests/0a1b2c3d-1');
    assert.equal(row.time, '12:00:01.000');
    assert.equal(row.duration, '13 ms');
    assert.equal(row.heapDelta, '+2.3 MB');
    assert.equal(row.allocated, '5.1 MB');
    assert.equal(row.allocatedTitle, undefined);
    assert.equal(row.overlap, 'exclusive');
    assert.equal(row.severity, 'warn');
    assert.equal(row.statusClass, '2xx');
    assert.equal(row.parentHref, '/__ramflow/requests/0a1b2c3d-0');
    assert.equal(row.backend, 'sampling');
    assert.equal(row.profiles, 'allocations');
  });

  test('raw heap deltas carry ~; shared rows say with how many; a missing allocation is n/a with its reason', () => {
    const panel = historyPanel(
      [
        entry(1, {
          heapDeltaKind: 'raw',
          heapDeltaBytes: -500_000,
          exclusive: false,
          overlapping: 3,
          allocatedBytes: null,
          allocatedUnavailable: 'a garbage collection in this window was missed',
        }),
      ],
      full(),
    );
    const row = panel.groups[0]?.rows[0];
    assert.ok(row);
    assert.equal(row.heapDelta, '~-500 KB');
    assert.match(row.heapDeltaTitle, /includes garbage not yet collected/);
    assert.equal(row.overlap, 'shared ×3');
    assert.match(row.overlapTitle, /^3 other profiled requests overlapped this one/);
    assert.equal(row.allocated, 'n/a');
    assert.equal(row.allocatedTitle, 'n/a: a garbage collection in this window was missed');
    assert.equal(row.severity, 'ok');
  });

  test('plain store summaries: unknown extras are n/a with a reason, never guessed', () => {
    const record = syntheticRecord('0a1b2c3d-1');
    record.memory.allocatedBytes = null;
    record.concurrency = { exclusive: false, overlapping: 2 };
    const row = historyPanel([basicSummary(record)], full()).groups[0]?.rows[0];
    assert.ok(row);
    assert.equal(row.overlap, 'shared');
    assert.equal(row.backend, 'n/a');
    assert.match(row.backendTitle ?? '', /^n\/a: /);
    assert.equal(row.profiles, 'n/a');
    assert.match(row.allocatedTitle ?? '', /^n\/a: /);
  });

  test('the full view counts calls per page and links to them', () => {
    const panel = historyPanel(
      [entry(3, { parentId: '0a1b2c3d-1' }), entry(2, { parentId: '0a1b2c3d-1' }), entry(1)],
      full(),
    );
    const page = panel.groups[0]?.rows[2];
    assert.deepEqual(page?.calls, { label: '2 calls', href: '/__ramflow/requests?parent=0a1b2c3d-1' });
    assert.equal(panel.groups[0]?.rows[0]?.calls, undefined);
  });
});

describe('historyPanel compact (toolbar)', () => {
  test('the page first, then its calls in the order made, then other recent requests', () => {
    const entries = [
      entry(6),
      entry(5, { parentId: '0a1b2c3d-2' }),
      entry(4, { parentId: '0a1b2c3d-3' }),
      entry(3, { parentId: '0a1b2c3d-2' }),
      entry(2),
      entry(1),
    ];
    const panel = historyPanel(entries, full({ compact: true, pageId: '0a1b2c3d-2' }));
    assert.deepEqual(
      panel.groups.map((group) => [group.title, group.rows.map((row) => `${row.id}:${row.relation}`)]),
      [
        ['This page', ['0a1b2c3d-2:page']],
        ['Calls made by this page', ['0a1b2c3d-3:call', '0a1b2c3d-5:call']],
        ['Other recent requests', ['0a1b2c3d-6:other', '0a1b2c3d-4:other', '0a1b2c3d-1:other']],
      ],
    );
    assert.equal(panel.moreHref, undefined);
    assert.deepEqual(panel.filterFields, []);
    // A call listed under its page does not link back to it; a call of another page does.
    assert.equal(panel.groups[1]?.rows[0]?.parentHref, undefined);
    assert.equal(panel.groups[2]?.rows[1]?.parentHref, '/__ramflow/requests/0a1b2c3d-3');
  });

  test('at most 15 rows, with a link to the rest', () => {
    const entries = Array.from({ length: 40 }, (_, i) =>
      entry(40 - i, i % 2 === 0 ? { parentId: '0a1b2c3d-1' } : {}),
    );
    const panel = historyPanel(entries, full({ compact: true, pageId: '0a1b2c3d-1' }));
    assert.equal(panel.shown, COMPACT_ROWS);
    assert.equal(
      panel.groups.reduce((sum, group) => sum + group.rows.length, 0),
      COMPACT_ROWS,
    );
    assert.equal(panel.groups[0]?.title, 'This page');
    assert.equal(panel.groups[1]?.rows.length, 14);
    assert.equal(panel.moreText, '25 more requests in the dashboard');
    assert.equal(panel.moreHref, '/__ramflow/requests');
  });

  test('says so when the page itself is not stored yet', () => {
    const panel = historyPanel([entry(5)], full({ compact: true, pageId: '0a1b2c3d-9' }));
    assert.equal(panel.groups[0]?.title, 'Other recent requests');
    assert.match(panel.notes[0] ?? '', /own record is not in the history yet/);
  });

  test('renders without compare checkboxes or filter form', () => {
    const html = new Templates().render(
      'panels/history',
      historyPanel(
        [entry(2), entry(1, { parentId: '0a1b2c3d-2' })],
        full({ compact: true, pageId: '0a1b2c3d-2' }),
      ),
    );
    assert.doesNotMatch(html, /type="checkbox"/);
    assert.doesNotMatch(html, /<form/);
    assert.match(html, /This page/);
    assert.match(html, /Calls made by this page/);
    assert.match(html, /href="\/__ramflow\/requests\/0a1b2c3d-1"/);
  });

  test('empty history', () => {
    const panel = historyPanel([], full({ compact: true, pageId: '0a1b2c3d-1' }));
    assert.equal(panel.empty, true);
    assert.match(new Templates().render('panels/history', panel), /No requests recorded yet\./);
  });
});

describe('historyPanel full (dashboard)', () => {
  const entries = [entry(3, { method: 'POST', statusCode: 500 }), entry(2), entry(1)];

  test('filter applies, with a count line', () => {
    const { filter } = parseHistoryFilter('status=2xx');
    const panel = historyPanel(entries, full({ filter }));
    assert.equal(panel.shown, 2);
    assert.equal(panel.countText, '2 of 3 requests match status 2xx.');
    assert.equal(panel.noMatch, undefined);
  });

  test('limit shortens the list and says so', () => {
    const { filter } = parseHistoryFilter('limit=1');
    const panel = historyPanel(entries, full({ filter }));
    assert.equal(panel.shown, 1);
    assert.equal(panel.countText, '3 requests; showing the newest 1.');
  });

  test('no match for the filter says so, distinct from an empty history', () => {
    const { filter } = parseHistoryFilter('status=404&method=DELETE');
    const panel = historyPanel(entries, full({ filter }));
    assert.equal(panel.empty, false);
    assert.equal(
      panel.noMatch,
      'No request matches the filter (method DELETE, status 404) among the 3 recorded requests.',
    );
    const html = renderPage(entries, 'status=404&method=DELETE');
    assert.match(html, /No request matches the filter \(method DELETE, status 404\)/);
    assert.doesNotMatch(html, /No requests recorded yet/);
  });

  test('the empty history page says so', () => {
    const html = renderPage([]);
    assert.match(html, /No requests recorded yet\. Load a page of your app and come back\./);
    assert.match(html, /backend: sampling — auto: inspector available/);
  });

  test('the page renders a filter form refilled with the values and compare checkboxes named id', () => {
    const html = renderPage(entries, 'q=page&backend=sampling&min=1MB');
    assert.match(html, /<form class="rf-filter" method="get" action="\/__ramflow\/requests"/);
    assert.match(html, /<input name="q" value="page"/);
    assert.match(html, /<input name="min" value="1MB"/);
    assert.match(html, /<option value="sampling" selected>/);
    assert.match(html, /<form class="rf-compare-form" method="get" action="\/__ramflow\/compare">/);
    assert.equal(html.match(/<input type="checkbox" name="id" value="0a1b2c3d-[0-9a-z]+"/g)?.length, 3);
    assert.match(html, />Clear</);
    assert.doesNotMatch(html, /style=/);
    assert.doesNotMatch(html, /<script/);
  });

  test('bad filter values are reported and escaped', () => {
    const html = renderPage(entries, `parent=${encodeURIComponent('"><script>x</script>')}&limit=abc`);
    assert.match(html, /&quot;parent&quot; must be a ramflow request id/);
    assert.match(html, /&quot;limit&quot; must be a whole number from 1 to 1000\. It was ignored\./);
    assert.doesNotMatch(html, /<script>x/);
    assert.match(html, /value="&quot;&gt;&lt;script&gt;x&lt;\/script&gt;"/);
    // The valid rest (nothing) applies: every row is listed.
    assert.equal(html.match(/name="id"/g)?.length, 3);
  });

  test('request-controlled text is escaped everywhere', () => {
    const html = renderPage([entry(1, { url: '/x?<script>alert(1)</script>', method: 'GET' })]);
    assert.doesNotMatch(html, /<script>alert/);
    assert.match(html, /\/x\?&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(html, /aria-label="Compare GET \/x\?&lt;script&gt;alert\(1\)&lt;\/script&gt;"/);
  });

  test('raw, shared and n/a figures are visible in the markup', () => {
    const html = renderPage([
      entry(1, {
        heapDeltaKind: 'raw',
        exclusive: false,
        overlapping: 2,
        allocatedBytes: null,
        allocatedUnavailable: 'missed a collection',
      }),
    ]);
    assert.match(html, />~\+2\.3 MB</);
    assert.match(
      html,
      /data-exclusive="false" title="2 other profiled requests overlapped this one[^"]*">shared ×2</,
    );
    assert.match(html, /title="n\/a: missed a collection">n\/a</);
  });
});
