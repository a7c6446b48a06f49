/**
 * Retainer paths for people: V8's internal roots folded into one "GC root (…)" step, closure scopes and their
 * variables named as such, property/element/internal references spelled apart, the object marked, the raw text
 * kept; paths differing only in array indices shown once; and the markup, escaped.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { heapObjectsPanel, pathText as heapObjectsPathText } from '../../src/panels/heap-objects.js';
import {
  isEngineRootStep,
  pathText,
  retainerPathView,
  similarPathKey,
} from '../../src/panels/retainer-path-view.js';
import { Templates } from '../../src/toolbar/templates.js';
import type { HeapObjectsDiff, RetainerPath, RetainerStep } from '../../src/types.js';
import { syntheticRecord } from '../helpers/profiles.js';

const XSS_CLASS = '<img src=x onerror=alert(1)>';
const XSS_EDGE = '"><script>alert(1)</script>';

function s(name: string, type: string, edgeType: string, edge: string): RetainerStep {
  return { name, type, edge, edgeType };
}

/** A module-level `retained` array in an ES module, as a real snapshot names it (see the Express demo's /leak). */
function moduleVariablePath(index = 0): RetainerPath {
  return {
    steps: [
      s('(root)', 'synthetic', 'element', '[1]'),
      s('(GC roots)', 'synthetic', 'element', '[11]'),
      s('(Handle scope)', 'synthetic', 'internal', '23'),
      s('Generator', 'object', 'internal', 'context'),
      s('system / Context', 'object', 'context', 'retained'),
      s('Array', 'object', 'element', `[${index}]`),
      s('Array', 'object', 'internal', 'elements'),
    ],
    target: { name: '(array)', type: 'array', id: 84593 },
  };
}

/** `globalThis.cache.chunks[0]`, reached through the root's shortcut to the global object. */
function globalPath(index = 0, property = 'chunks'): RetainerPath {
  return {
    steps: [
      s('(root)', 'synthetic', 'shortcut', '2'),
      s('global', 'object', 'property', 'cache'),
      s('BlobCache', 'object', 'property', property),
      s('Array', 'object', 'element', `[${index}]`),
    ],
    target: { name: 'Buffer', type: 'object', id: 79841 },
  };
}

describe('retainerPathView', () => {
  test('folds the engine roots, names the closure scope and its variable, marks the object', () => {
    const view = retainerPathView(moduleVariablePath());
    assert.deepEqual(view.root, {
      label: 'GC root (Handle scope)',
      title: "Held from V8's roots: (root) [1] → (GC roots) [11] → (Handle scope) (internal 23)",
    });
    assert.deepEqual(
      view.steps.map((step) => [step.holder, step.edgeKind, step.edge, step.internal]),
      [
        ['Generator', 'internal', 'context', true],
        ['closure scope', 'variable', 'retained', false],
        ['Array', 'element', '[0]', false],
        ['Array', 'internal', 'elements', true],
      ],
    );
    assert.equal(view.steps[1]?.holderRaw, 'system / Context');
    assert.match(view.steps[1]?.title ?? '', /^closure scope \(system \/ Context: .*\) → variable retained$/);
    assert.deepEqual(view.target, {
      name: '(array)',
      type: 'array',
      id: 84593,
      title: '(array) (array, @84593): the object this path keeps alive',
    });
    assert.equal(
      view.summary,
      'GC root (Handle scope) → Generator context → closure scope → variable `retained` → Array [0] → Array elements → (array)',
    );
    assert.equal(view.truncated, false);
  });

  test('keeps the raw text as before', () => {
    const path = moduleVariablePath();
    assert.equal(
      retainerPathView(path).text,
      '(root) [1] → (GC roots) [11] → (Handle scope) (internal 23) → Generator (internal context) → ' +
        'system / Context (variable retained) → Array [0] → Array (internal elements) → (array)',
    );
    assert.equal(heapObjectsPathText, pathText, 'heap-objects.ts still exports pathText');
  });

  test("a path from the global object: a bare GC root, then the app's properties", () => {
    const view = retainerPathView(globalPath());
    assert.equal(view.root?.label, 'GC root');
    assert.equal(view.root?.title, "Held from V8's roots: (root) (shortcut 2)");
    assert.equal(view.summary, 'GC root → global .cache → BlobCache .chunks → Array [0] → Buffer');
  });

  test('property names that are not identifiers read as ["…"]; other edge types say what they are', () => {
    const view = retainerPathView({
      steps: [
        s('(root)', 'synthetic', 'shortcut', '2'),
        s('global', 'object', 'property', 'my cache'),
        s('Map', 'object', 'other', ''),
        s('Thing', 'object', 'something', 'x'),
        s('Leaf', 'object', '', ''),
      ],
      target: { name: 'Leaf', type: 'object', id: 9 },
    });
    assert.deepEqual(
      view.steps.map((step) => [step.edgeKind, step.edge]),
      [
        ['property', '["my cache"]'],
        ['other', 'other'],
        ['other', 'something x'],
        ['none', ''],
      ],
    );
  });

  test('hidden holders and every root category are folded; a path that is all roots keeps only the object', () => {
    const view = retainerPathView({
      steps: [
        s('(root)', 'synthetic', 'element', '[1]'),
        s('(GC roots)', 'synthetic', 'element', '[3]'),
        s('(Global handles)', 'synthetic', 'internal', '4'),
        s('(system)', 'hidden', 'hidden', '[2]'),
        s('(Internalized strings)', 'synthetic', 'element', '[7]'),
      ],
      target: { name: 'Uint8Array', type: 'object', id: 11 },
    });
    assert.equal(view.root?.label, 'GC root (Global handles › Internalized strings)');
    assert.deepEqual(view.steps, []);
    assert.equal(view.summary, 'GC root (Global handles › Internalized strings) → Uint8Array');
    assert.equal(isEngineRootStep(s('(system)', 'hidden', 'hidden', '[2]')), true);
    assert.equal(isEngineRootStep(s('global', 'object', 'property', 'x')), false);
  });

  test('a cut path has no root: it starts mid-way, with an ellipsis', () => {
    const view = retainerPathView({
      steps: [s('Array', 'object', 'element', '[3]')],
      target: { name: 'LeakyWidget', type: 'object', id: 5 },
      truncated: true,
    });
    assert.equal(view.root, undefined);
    assert.equal(view.truncated, true);
    assert.equal(view.summary, '… → Array [3] → LeakyWidget');
    assert.equal(view.text, 'Array [3] → … → LeakyWidget', 'the raw text as pathText always wrote it');
  });

  test('paths that differ only in array indices share a key', () => {
    assert.equal(similarPathKey(globalPath(0)), similarPathKey(globalPath(7)));
    assert.notEqual(similarPathKey(globalPath(0)), similarPathKey(globalPath(0, 'other')));
    assert.equal(similarPathKey(moduleVariablePath(0)), similarPathKey(moduleVariablePath(1)));
  });
});

describe('the Heap objects panel', () => {
  const templates = new Templates();

  function heapWith(paths: Record<string, RetainerPath[]>): HeapObjectsDiff {
    return {
      newObjects: Object.entries(paths).map(([constructorName, list]) => ({
        constructorName,
        type: 'object',
        count: 3,
        selfBytes: 300,
        retainedBytes: 600,
        nativeBytes: 0,
        paths: list,
      })),
      totals: {
        count: 3 * Object.keys(paths).length,
        selfBytes: 300 * Object.keys(paths).length,
        nativeBytes: 0,
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
  }

  function render(heap: HeapObjectsDiff) {
    const record = syntheticRecord('0a1b2c3d-7');
    record.heap = heap;
    const panel = heapObjectsPanel(record, '/__ramflow', false);
    return { panel, html: templates.render('panels/heap-objects', panel) };
  }

  test('paths differing only in indices are shown once, with a count of the others', () => {
    const { panel } = render(
      heapWith({
        Buffer: [globalPath(0), globalPath(1), globalPath(2)],
        '(array)': [moduleVariablePath(0), moduleVariablePath(1)],
      }),
    );
    assert.ok(panel.available);
    assert.deepEqual(
      panel.paths.map((path) => [path.group, path.similar, path.text.includes('[0]')]),
      [
        ['Buffer', 2, true],
        ['(array)', 1, true],
      ],
    );
  });

  test('renders each path as a list of steps with the raw text at hand', () => {
    const { html } = render(heapWith({ '(array)': [moduleVariablePath()] }));
    assert.match(
      html,
      /<li class="rf-step rf-step-root" title="Held from V8&#x27;s roots: \(root\) \[1\] → \(GC roots\) \[11\] → \(Handle scope\) \(internal 23\)">GC root \(Handle scope\)<\/li>/,
    );
    assert.match(
      html,
      /<li class="rf-step" title="closure scope [^"]*"><span class="rf-holder">closure scope<\/span> <span class="rf-edge" data-edge="variable">variable <code>retained<\/code><\/span><\/li>/,
    );
    assert.match(
      html,
      /<li class="rf-step rf-step-internal" title="[^"]*"><span class="rf-holder">Array<\/span> <span class="rf-edge" data-edge="internal"><code>elements<\/code><\/span><\/li>/,
    );
    assert.match(
      html,
      /<li class="rf-step rf-path-target" title="[^"]*"><strong class="rf-holder">\(array\)<\/strong> <span class="rf-path-mark">this object<\/span><\/li>/,
    );
    assert.match(html, /<details class="rf-path-raw"><summary>Raw path<\/summary><code>\(root\) \[1\] → /);
    assert.doesNotMatch(html, /style=/);
  });

  test('a cut path starts with an ellipsis step', () => {
    const { html } = render(
      heapWith({
        LeakyWidget: [
          {
            steps: [s('Array', 'object', 'element', '[3]')],
            target: { name: 'LeakyWidget', type: 'object', id: 5 },
            truncated: true,
          },
        ],
      }),
    );
    assert.match(html, /<li class="rf-step rf-step-cut" title="[^"]+">…<\/li>/);
    assert.doesNotMatch(html, /rf-step-root/);
  });

  test('hostile class and property names are escaped everywhere', () => {
    const hostile: RetainerPath = {
      steps: [
        s('(root)', 'synthetic', 'shortcut', '2'),
        s('global', 'object', 'property', XSS_EDGE),
        s(XSS_CLASS, 'object', 'context', XSS_EDGE),
      ],
      target: { name: XSS_CLASS, type: 'object', id: 3 },
    };
    const { html } = render(heapWith({ [XSS_CLASS]: [hostile] }));
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /<img/i);
    assert.doesNotMatch(html, /"><script/);
    assert.match(html, /&lt;img src&#x3D;x onerror&#x3D;alert\(1\)&gt;/);
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(html, /variable <code>&quot;&gt;&lt;script&gt;/);
  });
});
