/**
 * The Heap objects panel's charts: new objects' bytes by kind (self sizes plus native memory, counted once),
 * the geometry of the stacked bar and of the largest-classes bars, and their server-rendered SVG (escaped, no
 * inline style or script, described for screen readers).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CHART_WIDTH,
  heapBreakdownChart,
  TOP_CONSTRUCTORS,
  typeCategory,
} from '../../src/panels/heap-breakdown-chart.js';
import { heapObjectsPanel } from '../../src/panels/heap-objects.js';
import { Templates } from '../../src/toolbar/templates.js';
import type { HeapObjectGroup, HeapObjectsDiff } from '../../src/types.js';
import { syntheticRecord } from '../helpers/profiles.js';

const XSS = '<img src=x onerror=alert(1)>';

function group(
  constructorName: string,
  type: string,
  selfBytes: number,
  retainedBytes = selfBytes,
  nativeBytes = 0,
  count = 1,
): HeapObjectGroup {
  return { constructorName, type, count, selfBytes, retainedBytes, nativeBytes, paths: [] };
}

function diff(
  groups: HeapObjectGroup[],
  nativeBytes = 0,
  omitted?: HeapObjectsDiff['omitted'],
): HeapObjectsDiff {
  const result: HeapObjectsDiff = {
    newObjects: groups,
    totals: {
      count: groups.reduce((sum, g) => sum + g.count, 0) + (omitted?.count ?? 0),
      selfBytes: groups.reduce((sum, g) => sum + g.selfBytes, 0) + (omitted?.selfBytes ?? 0),
      nativeBytes,
    },
    snapshots: {
      beforeMs: 40,
      afterMs: 42,
      beforeBytes: 9_000_000,
      afterBytes: 9_500_000,
      nodes: 60_000,
      edges: 240_000,
      analysisMs: 30,
    },
    downloadable: false,
    notes: [],
  };
  if (omitted !== undefined) result.omitted = omitted;
  return result;
}

/** A mix like the one of the heap-diff test's Buffer owner: JS objects, strings, code and 3 MB of Buffers. */
function mixed(): HeapObjectsDiff {
  return diff(
    [
      group('BlobCache', 'object', 32, 3_146_000, 3_000_000),
      group('Buffer', 'object', 288, 3_145_000, 3_000_000, 3),
      group('system / JSArrayBufferData', 'native', 3_000_000, 3_000_000, 3_000_000, 3),
      group('LeakyWidget', 'object', 80_000, 128_000, 0, 2000),
      group('(string)', 'string', 70_000),
      group('(array)', 'array', 24_000),
      group('Array', 'object', 96, 24_048),
      group('(compiled code)', 'code', 4_000),
      group('(closure)', 'closure', 112),
      group('system / Context', 'object', 200),
      group('(object shape)', 'object shape', 488),
      group('(system)', 'hidden', 584),
    ],
    3_000_000,
  );
}

describe('typeCategory', () => {
  test('groups V8 node types into the kinds a developer knows', () => {
    const cases: Array<[string, string, string]> = [
      ['object', 'LeakyWidget', 'objects'],
      ['object', 'Map', 'objects'],
      ['regexp', '(regexp)', 'objects'],
      ['object', 'Array', 'arrays'],
      ['array', '(array)', 'arrays'],
      ['string', '(string)', 'strings'],
      ['concatenated string', '(concatenated string)', 'strings'],
      ['sliced string', '(sliced string)', 'strings'],
      ['closure', '(closure)', 'closures'],
      ['code', '(compiled code)', 'closures'],
      ['object', 'system / Context', 'closures'],
      ['native', 'system / JSArrayBufferData', 'native'],
      ['object', 'system / Foo', 'other'],
      ['hidden', '(system)', 'other'],
      ['object shape', '(object shape)', 'other'],
      ['number', '(number)', 'other'],
      ['symbol', '(symbol)', 'other'],
      ['bigint', '(bigint)', 'other'],
      ['something new', '(something new)', 'other'],
    ];
    for (const [type, name, category] of cases)
      assert.equal(typeCategory(type, name), category, `${type} ${name}`);
  });
});

describe('heapBreakdownChart: the stacked bar', () => {
  test('bytes per kind: self sizes, native memory once, shares of the total', () => {
    const chart = heapBreakdownChart(mixed());
    const bytes = Object.fromEntries(chart.segments.map((s) => [s.key, s.bytes]));
    assert.deepEqual(bytes, {
      objects: 32 + 288 + 80_000,
      arrays: 24_000 + 96,
      strings: 70_000,
      closures: 4_000 + 112 + 200,
      native: 3_000_000,
      other: 488 + 584,
    });
    assert.equal(
      chart.total,
      chart.segments.reduce((sum, s) => sum + s.bytes, 0),
    );
    assert.equal(chart.totalSize, '3.2 MB');
    assert.equal(chart.basis, 'self+native');
    assert.match(chart.basisLabel, /Self size/);
    const native = chart.segments.find((s) => s.key === 'native');
    assert.equal(native?.share, `${((3_000_000 / chart.total) * 100).toFixed(1)}%`);
    assert.equal(native?.label, 'native (Buffers/ArrayBuffers)');
    assert.equal(native?.className, 'rf-cat-native');
    assert.equal(
      chart.legend.map((s) => s.key).join(),
      'objects,arrays,strings,closures,native,other',
      'the fixed order',
    );
    assert.match(
      chart.summary,
      /^New objects by type, self size plus native memory, 3\.2 MB in all: objects 80 KB/,
    );
    assert.match(
      chart.summary,
      /native \(Buffers\/ArrayBuffers\) 3 MB \(94\.3%\), other 1\.1 KB \(<0\.1%\)\.$/,
    );
  });

  test('native memory held by old-id stores counts though no native node is new', () => {
    const chart = heapBreakdownChart(diff([group('Buffer', 'object', 96, 4096, 4000)], 4000));
    assert.equal(chart.segments.find((s) => s.key === 'native')?.bytes, 4000);
    assert.equal(chart.total, 4096);
  });

  test('the segments tile the bar: contiguous, proportional, summing to its width', () => {
    const chart = heapBreakdownChart(mixed());
    assert.equal(chart.width, CHART_WIDTH);
    let x = 0;
    for (const segment of chart.segments) {
      assert.ok(Math.abs(segment.x - x) < 0.01, `${segment.key} starts where the previous ended`);
      x = Math.round((segment.x + segment.width) * 10) / 10;
    }
    assert.ok(Math.abs(x - CHART_WIDTH) < 0.01, `ends at ${x}`);
    const native = chart.segments.find((s) => s.key === 'native');
    assert.ok(native && native.width > 0.9 * CHART_WIDTH);
    for (const segment of chart.segments) {
      if (segment.bytes > 0) assert.ok(segment.width >= 2, `${segment.key} is visible (${segment.width})`);
      else assert.equal(segment.width, 0);
    }
  });

  test('empty categories are out of the legend; no bytes, no chart', () => {
    const onlyStrings = heapBreakdownChart(diff([group('(string)', 'string', 500)]));
    assert.deepEqual(
      onlyStrings.legend.map((s) => [s.key, s.share, s.width]),
      [['strings', '100.0%', CHART_WIDTH]],
    );
    const none = heapBreakdownChart(diff([]));
    assert.equal(none.hasData, false);
    assert.equal(none.constructors, undefined);
    assert.ok(none.segments.every((s) => s.width === 0 && s.share === '0.0%'));
  });

  test("groups beyond the record's limit count as other, with a note", () => {
    const chart = heapBreakdownChart(
      diff([group('A', 'object', 1000)], 0, { groups: 3, count: 40, selfBytes: 2000 }),
    );
    assert.equal(chart.segments.find((s) => s.key === 'other')?.bytes, 2000);
    assert.match(
      chart.notes.join(' '),
      /3 smaller classes beyond the record's limit \(2 KB\) count as other/,
    );
  });
});

describe('heapBreakdownChart: the largest classes', () => {
  test(`the ${TOP_CONSTRUCTORS} largest by retained size, on one scale`, () => {
    const groups = Array.from({ length: 12 }, (_, i) => group(`Class${i}`, 'object', 10, (i + 1) * 1000));
    const chart = heapBreakdownChart(diff(groups)).constructors;
    assert.ok(chart);
    assert.equal(chart.bars.length, TOP_CONSTRUCTORS);
    assert.deepEqual(
      chart.bars.map((bar) => bar.name),
      ['Class11', 'Class10', 'Class9', 'Class8', 'Class7', 'Class6', 'Class5', 'Class4'],
    );
    const [first, second] = chart.bars;
    assert.ok(first && second);
    assert.ok(Math.abs(second.width / first.width - 11 / 12) < 0.01, 'widths proportional to retained bytes');
    assert.ok(first.x + first.width <= CHART_WIDTH - 40, 'room for the value after the longest bar');
    assert.equal(first.valueX, Math.round((first.x + first.width + 4) * 10) / 10);
    assert.equal(chart.height, TOP_CONSTRUCTORS * 20);
    assert.ok(chart.bars.every((bar, i) => bar.y >= i * 20 && bar.y + bar.height <= (i + 1) * 20));
    assert.equal(first.size, '12 KB');
    assert.match(first.title, /^Class11 \(object\): 1 object, retaining 12 KB$/);
    assert.match(chart.summary, /^The 8 largest classes by retained size: Class11 12 KB, Class10 11 KB/);
  });

  test('long names are shortened for the label, whole in the title; colours by kind', () => {
    const name = 'AVeryLongConstructorNameThatWillNotFit';
    const chart = heapBreakdownChart(
      diff([group(name, 'object', 10, 5000), group('(string)', 'string', 100, 100)]),
    ).constructors;
    const bar = chart?.bars[0];
    assert.equal(bar?.label, `${name.slice(0, 23)}…`);
    assert.equal(bar?.name, name);
    assert.match(bar?.title ?? '', new RegExp(`^${name}`));
    assert.equal(chart?.bars[1]?.className, 'rf-cat-strings');
  });
});

describe('rendering', () => {
  const templates = new Templates();

  function page(heap: HeapObjectsDiff): string {
    const record = syntheticRecord('0a1b2c3d-9');
    record.heap = heap;
    return templates.render('panels/heap-objects', heapObjectsPanel(record, '/__ramflow', false));
  }

  test('two SVG charts with role="img", a title and an aria-label; the legend; no inline style', () => {
    const html = page(mixed());
    const svgs = html.match(/<svg [^>]*>/g) ?? [];
    assert.equal(svgs.length, 2);
    for (const svg of svgs) {
      assert.match(svg, /role="img"/);
      assert.match(svg, /aria-label="[^"]+"/);
    }
    assert.match(html, /<svg class="rf-breakdown-bar" viewBox="0 0 520 18"[^>]*><title>New objects by type/);
    assert.match(
      html,
      /<rect class="rf-cat-native" x="[\d.]+" y="0" width="[\d.]+" height="18"><title>native/,
    );
    assert.match(html, /<span class="rf-swatch rf-cat-strings" aria-hidden="true"><\/span>strings/);
    assert.match(html, /<text class="rf-ctor-label" x="164" y="14" text-anchor="end">BlobCache<\/text>/);
    assert.doesNotMatch(html, /style=/);
    assert.doesNotMatch(html, /<script/i);
    // The existing table is still there.
    assert.match(html, /<td class="rf-fn">LeakyWidget<\/td>/);
  });

  test('a hostile class name is escaped in labels, titles and aria-labels', () => {
    const html = page(diff([group(XSS, 'object', 100, 200), group('(string)', 'string', 50)]));
    assert.doesNotMatch(html, /<img/);
    assert.match(html, /&lt;img src&#x3D;x onerror&#x3D;alert\(1\)&gt;/);
    assert.match(html, /aria-label="The 2 largest classes by retained size: &lt;img src&#x3D;x/);
  });

  test('no new objects: no chart', () => {
    const html = page(diff([]));
    assert.doesNotMatch(html, /<svg/);
    assert.match(html, /The request left no new JavaScript objects alive/);
  });
});
