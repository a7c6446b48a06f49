/**
 * Flame-graph data on hand-built profiles: the JSON's shape, bytes conserved (hidden frames' bytes stay in their
 * callers), the node cap, diffs matched by frame identity across different frame tables, and the panel's data
 * (why-not text, re-run URLs for the other view, speedscope link) as the template renders it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { flameGraphCompare, flameGraphPanel } from '../../src/panels/flame-graph.js';
import {
  type FlameDiffNode,
  type FlameNode,
  flameGraphData,
  flameGraphDiff,
  MAX_FLAME_NODES,
  parseHide,
} from '../../src/profile/flame-graph.js';
import { Templates } from '../../src/toolbar/templates.js';
import type { AllocationProfile, FrameKind, ProfileFrame } from '../../src/types.js';
import { at, buildProfile, syntheticRecord, typicalProfile } from '../helpers/profiles.js';

const RELEVANT: ReadonlySet<FrameKind> = new Set<FrameKind>(['node', 'ramflow']);

function walk<T extends FlameNode | FlameDiffNode>(root: T, visit: (node: T, depth: number) => void): void {
  const stack: Array<[T, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [T, number];
    visit(node, depth);
    for (const child of (node.c ?? []) as T[]) stack.push([child, depth + 1]);
  }
}

/** Every node's total is its own bytes plus its children's, children are heaviest first, `c` is never empty. */
function assertWellFormed(data: { root: FlameNode; frames: unknown[] }): number {
  let count = 0;
  walk(data.root, (node) => {
    count++;
    assert.ok(node.f >= 0 && node.f < data.frames.length, `frame index ${node.f} in range`);
    assert.ok(node.t > 0 || node === data.root, 'no zero-byte nodes');
    if (node.c !== undefined) {
      assert.ok(node.c.length > 0, 'c is left out when empty');
      const sum = node.c.reduce((total, child) => total + child.t, 0);
      assert.equal(sum + node.s, node.t, 'a total is its own bytes plus its children');
      assert.ok(sum <= node.t);
      for (let i = 1; i < node.c.length; i++) {
        assert.ok((node.c[i - 1] as FlameNode).t >= (node.c[i] as FlameNode).t, 'children heaviest first');
      }
    } else {
      assert.equal(node.s, node.t);
    }
  });
  return count;
}

/** The node at a path of frame names below the root. */
function find<T extends FlameNode | FlameDiffNode>(
  data: { root: T; frames: Array<{ name: string }> },
  ...names: string[]
): T | undefined {
  let node: T | undefined = data.root;
  for (const name of names) {
    node = (node?.c as T[] | undefined)?.find((child) => data.frames[child.f]?.name === name);
  }
  return node;
}

describe('flameGraphData', () => {
  test('serves the whole tree with totals conserved, heaviest children first', () => {
    const profile = typicalProfile();
    const data = flameGraphData(profile);
    assert.equal(data.mode, 'single');
    assert.equal(data.view, 'allocated');
    assert.equal(data.totalBytes, 107_000);
    assert.equal(data.root.t, profile.totalBytes);
    assert.equal(data.samplingInterval, 32_768);
    assert.equal(data.sampleCount, profile.sampleCount);
    assert.deepEqual(data.hidden, []);
    assert.deepEqual(data.notes, [], "the profile's own notes are the panel's, not repeated here");
    assert.equal(data.frames[0]?.name, '(root)');
    assert.equal(data.root.f, 0);
    assert.equal(assertWellFormed(data), 8);
    assert.equal(data.nodes, 8);
    const handler = find(data, 'handleRequest');
    assert.deepEqual(
      handler?.c?.map((child) => [data.frames[child.f]?.name, child.t]),
      [
        ['renderPage', 80_000],
        ['query', 24_000],
        ['measure', 2_000],
      ],
    );
    assert.deepEqual(data.frames[handler?.f ?? -1], {
      name: 'handleRequest',
      location: '/srv/app/src/routes/home.js:12',
      kind: 'app',
    });
    assert.equal(find(data, 'handleRequest', 'renderPage', 'JSON.stringify')?.c, undefined);
    assert.equal(data.frames.find((frame) => frame.name === 'JSON.stringify')?.location, '(native)');
  });

  test('hidden frames leave their bytes with their nearest visible caller', () => {
    const data = flameGraphData(typicalProfile(), { hide: RELEVANT });
    assert.deepEqual(data.hidden, ['node', 'ramflow']);
    assert.equal(data.root.t, 107_000);
    assertWellFormed(data);
    assert.ok(!data.frames.slice(1).some((frame) => frame.kind === 'node' || frame.kind === 'ramflow'));
    // measure (ramflow, 2 000) → handleRequest; JSON.stringify (node, 50 000) → renderPage; Buffer.from → query.
    assert.equal(find(data, 'handleRequest')?.s, 3_000);
    assert.equal(find(data, 'handleRequest', 'renderPage')?.s, 80_000);
    assert.equal(find(data, 'handleRequest', 'query')?.s, 20_000);
    assert.equal(find(data, 'handleRequest', 'query', 'onChunk')?.t, 4_000);

    const deps = flameGraphData(typicalProfile(), {
      hide: new Set<FrameKind>(['node', 'ramflow', 'dependency']),
    });
    assert.equal(deps.root.t, 107_000);
    assert.equal(find(deps, 'handleRequest')?.s, 27_000);
    assert.equal(find(deps, 'handleRequest')?.c?.length, 1);
  });

  test('editor links come from the option, for the frames it gives one', () => {
    const seen: ProfileFrame[] = [];
    const data = flameGraphData(typicalProfile(), {
      editorLink: (frame) => {
        seen.push(frame);
        return frame.kind === 'app' ? `vscode://file${new URL(frame.url).pathname}:${frame.line}` : undefined;
      },
    });
    const handler = data.frames.find((frame) => frame.name === 'handleRequest');
    assert.equal(handler?.editorHref, 'vscode://file/srv/app/src/routes/home.js:12');
    const query = data.frames.find((frame) => frame.name === 'query');
    assert.ok(query !== undefined && !('editorHref' in query));
    assert.equal(seen.length, data.frames.length, 'asked once per frame');
    assert.ok(flameGraphData(typicalProfile()).frames.every((frame) => frame.editorHref === undefined));
  });

  test('merges siblings of the same function and drops zero-byte paths', () => {
    const profile = buildProfile({ a: {}, b: {}, a2: { name: 'a' } as Partial<ProfileFrame>, z: {} }, [
      at('a', 10, at('b', 5)),
      at('a2', 20, at('b', 7), at('z', 0)),
    ]);
    // a2 is a second frame-table entry with a's name but another URL: a different function.
    const data = flameGraphData(profile);
    assert.equal(data.root.c?.length, 2);
    const same = buildProfile({ a: {}, b: {}, z: {} }, [
      at('a', 10, at('b', 5)),
      at('a', 20, at('b', 7), at('z', 0)),
    ]);
    const merged = flameGraphData(same);
    assert.equal(merged.root.c?.length, 1);
    assert.deepEqual(merged.root.c?.[0], { f: 1, s: 30, t: 42, c: [{ f: 2, s: 12, t: 12 }] });
    assert.ok(!merged.frames.some((frame) => frame.name === 'z'), 'zero-byte paths are not drawn');
  });

  test('caps the nodes, merging the lightest paths of each parent into (other) with their bytes', () => {
    const frames: Record<string, Partial<ProfileFrame>> = {};
    const children = [];
    for (let i = 0; i < 50; i++) {
      frames[`f${i}`] = {};
      frames[`g${i}`] = {};
      children.push(at(`f${i}`, (i + 1) * 100, at(`g${i}`, i + 1)));
    }
    const profile = buildProfile(frames, children);
    const data = flameGraphData(profile, { maxNodes: 10 });
    assert.ok(data.nodes <= 10, `${data.nodes} nodes`);
    assert.equal(assertWellFormed(data), data.nodes);
    assert.equal(data.root.t, profile.totalBytes);
    const other = data.root.c?.find((child) => data.frames[child.f]?.name === '(other)');
    assert.ok(other !== undefined, 'an (other) child holds the rest');
    assert.equal(data.frames[other.f]?.kind, 'node');
    const kept = (data.root.c ?? [])
      .map((child) => data.frames[child.f]?.name)
      .filter((name) => name !== '(other)');
    assert.deepEqual(kept.slice(0, 3), ['f49', 'f48', 'f47'], 'the heaviest paths are kept');
    assert.equal(
      other.t,
      profile.totalBytes - (data.root.c ?? []).reduce((sum, c) => sum + (c === other ? 0 : c.t), 0),
    );
    assert.match(
      data.notes[0] ?? '',
      /^\d+ smaller call paths were merged into \(other\) nodes \(.+\) to keep the graph under 10 nodes\.$/,
    );

    const tiny = flameGraphData(profile, { maxNodes: 0 });
    assert.equal(tiny.nodes, 2, 'at least the root and one (other)');
    assert.equal(tiny.root.c?.[0]?.t, profile.totalBytes);
  });

  test(`keeps any tree under ${MAX_FLAME_NODES} nodes by default and under smaller limits`, () => {
    const frames: Record<string, Partial<ProfileFrame>> = {};
    const top = [];
    for (let i = 0; i < 160; i++) {
      frames[`p${i}`] = {};
      const kids = [];
      for (let j = 0; j < 160; j++) {
        const name = `c${i}_${j}`;
        frames[name] = {};
        kids.push(at(name, 1 + ((i * 31 + j * 17) % 97)));
      }
      top.push(at(`p${i}`, i, ...kids));
    }
    const profile = buildProfile(frames, top);
    const data = flameGraphData(profile);
    assert.ok(data.nodes <= MAX_FLAME_NODES, `${data.nodes} nodes`);
    assert.ok(data.nodes > MAX_FLAME_NODES - 200, 'the budget is used');
    assert.equal(assertWellFormed(data), data.nodes);
    assert.equal(data.root.t, profile.totalBytes);
    for (const limit of [3, 17, 161, 500]) {
      const capped = flameGraphData(profile, { maxNodes: limit });
      assert.ok(capped.nodes <= limit, `${capped.nodes} <= ${limit}`);
      assert.equal(assertWellFormed(capped), capped.nodes);
      assert.equal(capped.root.t, profile.totalBytes);
    }
  });

  test('a profile without samples is a bare root', () => {
    const profile = buildProfile({}, []);
    const data = flameGraphData(profile, { hide: RELEVANT });
    assert.deepEqual(data.root, { f: 0, s: 0, t: 0 });
    assert.equal(data.nodes, 1);
  });
});

describe('flameGraphDiff', () => {
  /** Same functions as `typicalProfile`, in another frame-table order, with changed bytes. */
  function laterProfile(): AllocationProfile {
    return buildProfile(
      {
        extra: { url: 'file:///srv/app/src/cache.js', line: 3, column: 1 },
        measure: {
          url: 'file:///srv/app/node_modules/@ramflow/core/dist/index.mjs',
          line: 90,
          column: 4,
          kind: 'ramflow',
        },
        'JSON.stringify': { url: '', line: 0, column: 0, kind: 'node' },
        renderPage: { url: 'file:///srv/app/src/views/render.js', line: 40, column: 1 },
        handleRequest: { url: 'file:///srv/app/src/routes/home.js', line: 12, column: 5 },
        query: {
          url: 'file:///srv/app/node_modules/pg/lib/client.js',
          line: 301,
          column: 9,
          kind: 'dependency',
        },
      },
      [
        at(
          'handleRequest',
          1_000,
          at('renderPage', 30_000, at('JSON.stringify', 90_000)),
          at('query', 8_000),
          at('extra', 5_000),
          at('measure', 2_000),
        ),
      ],
    );
  }

  test('matches call paths by frame identity across different frame tables', () => {
    const a = typicalProfile();
    const b = laterProfile();
    const diff = flameGraphDiff(a, b);
    assert.equal(diff.mode, 'diff');
    assert.equal(diff.totalBytes, b.totalBytes);
    assert.equal(diff.totalBytes0, a.totalBytes);
    assert.equal(diff.root.t, b.totalBytes);
    assert.equal(diff.root.t0, a.totalBytes);
    assertWellFormed(diff);
    const render = find(diff, 'handleRequest', 'renderPage');
    assert.deepEqual([render?.t, render?.t0, render?.s, render?.s0], [120_000, 80_000, 30_000, 30_000]);
    const stringify = find(diff, 'handleRequest', 'renderPage', 'JSON.stringify');
    assert.deepEqual([stringify?.t, stringify?.t0], [90_000, 50_000]);
    assert.equal(find(diff, 'handleRequest', 'extra')?.t0, 0, 'new in B');
    assert.deepEqual(
      [find(diff, 'handleRequest', 'measure')?.t, find(diff, 'handleRequest', 'measure')?.t0],
      [2_000, 2_000],
    );
    // query moved to line 301: another function, so A's query path is removed and B's is new.
    assert.equal(find(diff, 'handleRequest', 'query')?.t0, 0);
    assert.deepEqual(diff.removed, [
      { path: ['handleRequest', 'query'], location: 'pg/lib/client.js:300', bytes: 24_000 },
    ]);
    assert.deepEqual(diff.removedTotal, { paths: 1, bytes: 24_000 });
    assert.ok(diff.notes.some((note) => /1 call path of A \(24 KB\) does not occur in B/.test(note)));
  });

  test('hides the same kinds in both profiles before matching', () => {
    const diff = flameGraphDiff(typicalProfile(), laterProfile(), { hide: RELEVANT });
    assert.deepEqual(diff.hidden, ['node', 'ramflow']);
    const render = find(diff, 'handleRequest', 'renderPage');
    assert.deepEqual([render?.s, render?.s0, render?.c], [120_000, 80_000, undefined]);
    const handler = find(diff, 'handleRequest');
    assert.deepEqual([handler?.s, handler?.s0], [3_000, 3_000]);
    // A's Buffer.from (node) went into A's query, which B does not have.
    assert.deepEqual(diff.removed, [
      { path: ['handleRequest', 'query'], location: 'pg/lib/client.js:300', bytes: 24_000 },
    ]);
  });

  test('lists the 20 heaviest removed paths, outermost frames only, and caps like the single graph', () => {
    const frames: Record<string, Partial<ProfileFrame>> = { keep: {} };
    const gone = [];
    for (let i = 0; i < 30; i++) {
      frames[`gone${i}`] = {};
      frames[`under${i}`] = {};
      gone.push(at(`gone${i}`, i + 1, at(`under${i}`, 1)));
    }
    const a = buildProfile(frames, [at('keep', 10), ...gone]);
    const b = buildProfile({ keep: {} }, [at('keep', 15)]);
    const diff = flameGraphDiff(a, b);
    assert.equal(diff.removed.length, 20);
    assert.deepEqual(diff.removed[0], { path: ['gone29'], location: '/srv/app/src/gone29.js:10', bytes: 31 });
    assert.ok(diff.removed.every((entry) => entry.path.length === 1));
    assert.deepEqual(diff.removedTotal, { paths: 30, bytes: a.totalBytes - 10 });
    assert.ok(diff.notes.some((note) => /30 call paths of A .* the 20 heaviest are listed/.test(note)));
    assert.deepEqual(find(diff, 'keep'), { f: 1, s: 15, t: 15, s0: 10, t0: 10 });

    const wide = flameGraphDiff(b, a, { maxNodes: 5 });
    assert.ok(wide.nodes <= 5);
    assert.equal(wide.root.t, a.totalBytes);
    const other = wide.root.c?.find((child) => wide.frames[child.f]?.name === '(other)');
    assert.ok(other !== undefined);
    assert.equal(other.t0, 15, 'keep, light in B, went into (other) with its bytes in A');
  });

  test('says when the two views or intervals differ', () => {
    const a = buildProfile({ x: {} }, [at('x', 100)], { view: 'allocated', samplingInterval: 1024 });
    const b = buildProfile({ x: {} }, [at('x', 50)], { view: 'retained', samplingInterval: 512 });
    const diff = flameGraphDiff(a, b);
    assert.equal(diff.view, 'retained');
    assert.equal(diff.view0, 'allocated');
    assert.match(diff.notes[0] ?? '', /A is the allocated view and B the retained view/);
    assert.ok(diff.notes.some((note) => /different intervals/.test(note)));
  });
});

test('parseHide reads the hide query parameter', () => {
  assert.deepEqual([...parseHide(null)], ['node', 'ramflow']);
  assert.deepEqual([...parseHide(undefined)], ['node', 'ramflow']);
  assert.deepEqual([...parseHide('')], []);
  assert.deepEqual([...parseHide('none')], []);
  assert.deepEqual([...parseHide('node, ramflow,dependency,bogus')], ['node', 'ramflow', 'dependency']);
  assert.deepEqual([...parseHide('DEPENDENCY')], ['dependency']);
});

describe('flame graph panel', () => {
  const templates = new Templates();
  const options = { basePath: '/__ramflow', speedscopeAvailable: false };

  test('without a profile it says why, in the allocations panel words', () => {
    const plain = syntheticRecord('0000abcd-1');
    assert.deepEqual(flameGraphPanel(plain, options), {
      available: false,
      mode: 'single',
      reason: 'the sampling backend did not run for this request: backend process.',
    });
    const told = syntheticRecord('0000abcd-2', { allocationsUnavailable: 'adaptive sampling skipped it' });
    const panel = flameGraphPanel(told, options);
    assert.equal(panel.available ? '' : panel.reason, 'adaptive sampling skipped it.');
    const html = templates.render('panels/flame-graph', panel);
    assert.match(html, /<p class="rf-why-not">No flame graph: adaptive sampling skipped it\.<\/p>/);
    assert.doesNotMatch(html, /rf-flame"/);
  });

  test('a profile without samples says so instead of drawing nothing', () => {
    const record = syntheticRecord('0000abcd-3', { allocations: buildProfile({}, []) });
    const panel = flameGraphPanel(record, options);
    assert.ok(panel.available && !panel.hasSamples);
    const html = templates.render('panels/flame-graph', panel);
    assert.match(html, /No samples were taken in this request's window/);
    assert.doesNotMatch(html, /class="rf-flame"/);
  });

  test('renders the container, the controls and the figures', () => {
    const record = syntheticRecord('0000abcd-4', { allocations: typicalProfile() });
    const panel = flameGraphPanel(record, { basePath: '/__ramflow', speedscopeAvailable: true });
    assert.ok(panel.available);
    assert.equal(panel.src, '/__ramflow/api/requests/0000abcd-4/flamegraph.json');
    assert.equal(panel.hide, 'node,ramflow');
    assert.equal(panel.totalBytes, '107 KB');
    assert.equal(
      panel.sampling,
      `Estimated from ${record.allocations?.sampleCount} samples, about one per 33 KB allocated.`,
    );
    assert.deepEqual(panel.notes, ['a note for the reader']);
    assert.equal(
      panel.speedscopeHref,
      `/__ramflow/speedscope/#profileURL=${encodeURIComponent('/__ramflow/api/requests/0000abcd-4/profile.speedscope.json')}&title=${encodeURIComponent('ramflow GET /products?page=2 (allocated)')}`,
    );
    const html = templates.render('panels/flame-graph', panel);
    assert.match(
      html,
      /<div class="rf-flame" data-mode="single" data-src="\/__ramflow\/api\/requests\/0000abcd-4\/flamegraph\.json" data-base="\/__ramflow" data-hide="node,ramflow" data-view="allocated" data-rerun-retained="\/products\?page&#x3D;2" data-rerun-header="X-Ramflow-Profile" data-rerun-header-value="retained">/,
    );
    assert.match(html, /<input class="rf-flame-search" type="search"/);
    assert.match(html, /<button class="rf-flame-reset" type="button">Reset zoom<\/button>/);
    assert.match(
      html,
      /class="rf-flame-hide-internal" type="checkbox" checked> Hide Node internals &amp; ramflow/,
    );
    assert.match(html, /class="rf-flame-hide-deps" type="checkbox"> also hide node_modules/);
    assert.match(
      html,
      /data-view="allocated" aria-pressed="true">Allocated<\/button><button class="rf-flame-view" type="button" data-view="retained" aria-pressed="false">Retained<\/button>/,
    );
    assert.match(
      html,
      /<a class="rf-flame-speedscope" href="\/__ramflow\/speedscope\/#profileURL&#x3D;%2F__ramflow%2Fapi/,
    );
    assert.doesNotMatch(html, /style=/, 'no inline styles under a strict CSP');
    assert.doesNotMatch(html, /<script/);
    assert.doesNotMatch(html, /rf-flame-view-why/);
  });

  test('a GET re-runs with the header for the retained view; the retained view re-runs without ?ramflow=retained', () => {
    const allocated = flameGraphPanel(
      syntheticRecord('0000abcd-5', { allocations: typicalProfile(), url: '/a?b=1' }),
      options,
    );
    assert.ok(allocated.available);
    assert.deepEqual(allocated.rerun, {
      header: 'X-Ramflow-Profile',
      headerValue: 'retained',
      retained: '/a?b=1',
    });

    const retainedProfile = { ...typicalProfile(), view: 'retained' as const };
    const cases: Array<[string, string]> = [
      ['/products?page=2&ramflow=retained&q=a%20b+c', '/products?page=2&q=a%20b+c'],
      ['/x?ramflow=retained', '/x'],
      ['/x?ramflow=RETAINED&ramflow=retained', '/x'],
      ['/x?ramflow=snapshot', '/x?ramflow=snapshot'],
      ['/x', '/x'],
    ];
    for (const [url, expected] of cases) {
      const panel = flameGraphPanel(
        syntheticRecord('0000abcd-6', { allocations: retainedProfile, url }),
        options,
      );
      assert.ok(panel.available);
      assert.equal(panel.rerun.allocated, expected, url);
      assert.equal(panel.rerun.retained, undefined);
      assert.deepEqual(
        panel.views.map((view) => [view.view, view.current, view.enabled]),
        [
          ['allocated', false, true],
          ['retained', true, true],
        ],
      );
      const html = templates.render('panels/flame-graph', panel);
      assert.match(html, /data-view="retained" data-rerun-allocated="/);
    }
  });

  test('other methods are never re-run: the toggle says why', () => {
    const record = syntheticRecord('0000abcd-7', { allocations: typicalProfile() });
    record.request.method = 'POST';
    const panel = flameGraphPanel(record, options);
    assert.ok(panel.available);
    assert.equal(panel.rerun.retained, undefined);
    assert.equal(panel.rerun.allocated, undefined);
    assert.match(
      panel.rerun.reason ?? '',
      /^Re-running a POST request would repeat its side effects; send it again with \?ramflow=retained/,
    );
    const html = templates.render('panels/flame-graph', panel);
    assert.match(html, /data-view="retained" aria-pressed="false" disabled>Retained/);
    assert.match(
      html,
      /<p class="rf-note rf-flame-view-why">Re-running a POST request would repeat its side effects/,
    );
    assert.doesNotMatch(html, /data-rerun-(retained|allocated)/);

    const absolute = syntheticRecord('0000abcd-8', {
      allocations: typicalProfile(),
      url: '//evil.example/x',
    });
    const refused = flameGraphPanel(absolute, options);
    assert.ok(refused.available);
    assert.equal(refused.rerun.retained, undefined);
    assert.match(refused.rerun.reason ?? '', /not a path on this server/);
  });

  test('request-controlled text is escaped in attributes and text', () => {
    const url = '/x?"><img src=x onerror=alert(1)>';
    const record = syntheticRecord('0000abcd-9', { allocations: typicalProfile(), url });
    const panel = flameGraphPanel(record, { basePath: '/__ramflow', speedscopeAvailable: true });
    const html = templates.render('panels/flame-graph', panel);
    assert.doesNotMatch(html, /<img/);
    assert.match(html, /data-rerun-retained="\/x\?&quot;&gt;&lt;img src&#x3D;x onerror&#x3D;alert\(1\)&gt;"/);
  });

  test('compare data points at the diff JSON, or says which request lacks a profile', () => {
    const a = syntheticRecord('0000abcd-a', { allocations: typicalProfile() });
    const b = syntheticRecord('0000abcd-b', {
      allocations: buildProfile({ x: {} }, [at('x', 200_000)], { view: 'retained' }),
    });
    const data = flameGraphCompare(a, b, { basePath: '/__ramflow' });
    assert.ok(data.available);
    assert.equal(data.src, '/__ramflow/api/compare/flamegraph.json?a=0000abcd-a&b=0000abcd-b');
    assert.deepEqual([data.totalBytes, data.totalBytes0, data.delta], ['200 KB', '107 KB', '+93 KB']);
    assert.match(data.viewWarning ?? '', /A is the allocated view and B the retained view/);
    const html = templates.render('panels/flame-graph', data);
    assert.match(
      html,
      /<div class="rf-flame" data-mode="diff" data-src="\/__ramflow\/api\/compare\/flamegraph\.json\?a&#x3D;0000abcd-a&amp;b&#x3D;0000abcd-b" data-base="\/__ramflow" data-hide="node,ramflow">/,
    );
    assert.doesNotMatch(html, /rf-flame-view"/, 'no allocated/retained toggle on the compare page');

    const missing = flameGraphCompare(syntheticRecord('0000abcd-c'), b, { basePath: '/__ramflow' });
    assert.deepEqual(missing, {
      available: false,
      mode: 'diff',
      reason:
        'request A has no allocation stacks: the sampling backend did not run for this request: backend process.',
    });
    assert.match(
      templates.render('panels/flame-graph', missing),
      /No flame graph: request A has no allocation stacks/,
    );
  });
});
