/**
 * Views over an allocation profile on hand-built trees: ranking by self and total bytes, recursion counted once,
 * hidden frames' bytes kept in their callers, and short locations.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { formatLocation, hideFrames, topFunctions } from '../../src/profile/views.js';
import type { FrameKind, ProfileFrame } from '../../src/types.js';
import { at, buildProfile, nodesOf, typicalProfile } from '../helpers/profiles.js';

const RELEVANT: ReadonlySet<FrameKind> = new Set<FrameKind>(['node', 'ramflow']);

function byName(rows: ReturnType<typeof topFunctions>) {
  return Object.fromEntries(rows.map((row) => [row.frame.name, row]));
}

describe('topFunctions', () => {
  test('ranks by self bytes, with totals and shares of the whole profile', () => {
    const profile = typicalProfile();
    const rows = topFunctions(profile, { by: 'self' });
    assert.deepEqual(
      rows.map((row) => [row.frame.name, row.selfBytes]),
      [
        ['JSON.stringify', 50_000],
        ['renderPage', 30_000],
        ['Buffer.from', 12_000],
        ['query', 8_000],
        ['onChunk', 4_000],
        ['measure', 2_000],
        ['handleRequest', 1_000],
      ],
    );
    const rendered = byName(rows).renderPage;
    assert.equal(rendered?.totalBytes, 80_000);
    assert.equal(rendered?.selfShare, 30_000 / 107_000);
    assert.equal(rendered?.totalShare, 80_000 / 107_000);
  });

  test('ranks by total bytes; (root) is never a row; limit keeps the first rows', () => {
    const profile = typicalProfile();
    const rows = topFunctions(profile, { by: 'total', limit: 3 });
    assert.deepEqual(
      rows.map((row) => [row.frame.name, row.totalBytes]),
      [
        ['handleRequest', 107_000],
        ['renderPage', 80_000],
        ['JSON.stringify', 50_000],
      ],
    );
    assert.equal(byName(rows).handleRequest?.totalShare, 1);
    const all = topFunctions(profile, { by: 'total' });
    assert.ok(all.every((row) => row.frame.name !== '(root)'));
    assert.equal(all.length, 7);
  });

  test('aggregates a function over every call path it appears on', () => {
    const profile = buildProfile({ a: {}, b: {}, alloc: {} }, [
      at('a', 0, at('alloc', 100)),
      at('b', 0, at('alloc', 250), at('a', 10, at('alloc', 40))),
    ]);
    const rows = byName(topFunctions(profile, { by: 'self' }));
    assert.equal(rows.alloc?.selfBytes, 390);
    assert.equal(rows.alloc?.totalBytes, 390);
    assert.equal(rows.a?.selfBytes, 10);
    assert.equal(rows.a?.totalBytes, 150);
    assert.equal(rows.b, undefined, 'no own bytes: not a row when ranking by self');
    assert.equal(byName(topFunctions(profile, { by: 'total' })).b?.totalBytes, 300);
  });

  test('a recursive function counts once per path, at its outermost call', () => {
    //  walk(10) → walk(20) → walk(30) → leaf(40); and walk → other → walk(5)
    const profile = buildProfile({ walk: {}, leaf: {}, other: {} }, [
      at('walk', 10, at('walk', 20, at('walk', 30, at('leaf', 40))), at('other', 0, at('walk', 5))),
    ]);
    assert.equal(profile.totalBytes, 105);
    const rows = byName(topFunctions(profile, { by: 'total' }));
    assert.equal(rows.walk?.totalBytes, 105);
    assert.equal(rows.walk?.selfBytes, 65);
    assert.equal(rows.walk?.totalShare, 1);
    assert.equal(rows.other?.totalBytes, 5);
    assert.equal(rows.leaf?.totalBytes, 40);
  });

  test('mutual recursion is not double counted either', () => {
    // a → b → a → b → c
    const profile = buildProfile({ a: {}, b: {}, c: {} }, [
      at('a', 1, at('b', 2, at('a', 3, at('b', 4, at('c', 5))))),
    ]);
    const rows = byName(topFunctions(profile, { by: 'total' }));
    assert.equal(rows.a?.totalBytes, 15);
    assert.equal(rows.b?.totalBytes, 14);
    assert.equal(rows.c?.totalBytes, 5);
  });

  test('hidden frames never appear; their self bytes count in the nearest visible caller', () => {
    const profile = typicalProfile();
    const rows = topFunctions(profile, { by: 'self', hide: RELEVANT });
    assert.deepEqual(
      rows.map((row) => [row.frame.name, row.selfBytes]),
      [
        ['renderPage', 80_000],
        ['query', 20_000],
        ['onChunk', 4_000],
        ['handleRequest', 3_000],
      ],
    );
    assert.ok(rows.every((row) => row.frame.kind === 'app' || row.frame.kind === 'dependency'));
    const selfSum = rows.reduce((sum, row) => sum + row.selfBytes, 0);
    assert.equal(selfSum, profile.totalBytes);
    const totals = byName(topFunctions(profile, { by: 'total', hide: RELEVANT }));
    assert.equal(totals.handleRequest?.totalBytes, 107_000);
    assert.equal(totals.query?.totalBytes, 24_000);
  });

  test('hiding dependencies too moves their bytes into the app code that called them', () => {
    const profile = typicalProfile();
    const rows = topFunctions(profile, {
      by: 'self',
      hide: new Set<FrameKind>(['node', 'ramflow', 'dependency']),
    });
    assert.deepEqual(
      rows.map((row) => [row.frame.name, row.selfBytes]),
      [
        ['renderPage', 80_000],
        ['handleRequest', 27_000],
      ],
    );
  });

  test('bytes of hidden frames with no visible caller stay at the root, which is no row', () => {
    const profile = buildProfile({ tick: { kind: 'node' }, cb: {} }, [at('tick', 70, at('cb', 30))]);
    const rows = topFunctions(profile, { by: 'self', hide: RELEVANT });
    assert.deepEqual(
      rows.map((row) => [row.frame.name, row.selfBytes, row.totalBytes]),
      [['cb', 30, 30]],
    );
    assert.equal(hideFrames(profile, RELEVANT).root.selfBytes, 70);
  });

  test('an empty profile has no rows', () => {
    const profile = buildProfile({}, []);
    assert.deepEqual(topFunctions(profile, { by: 'self' }), []);
    assert.deepEqual(topFunctions(profile, { by: 'total', hide: RELEVANT }), []);
  });
});

describe('hideFrames', () => {
  test('re-parents children of hidden frames and merges siblings of the same frame', () => {
    //  handler(10) ├ next(node, 5) ├ parse(7) └ x(node, 1) └ parse(3) └ leaf(2)
    //              └ parse(20)
    const profile = buildProfile(
      { handler: {}, next: { kind: 'node' }, parse: {}, x: { kind: 'node' }, leaf: {} },
      [
        at(
          'handler',
          10,
          at('next', 5, at('parse', 7), at('x', 1, at('parse', 3, at('leaf', 2)))),
          at('parse', 20),
        ),
      ],
    );
    const hidden = hideFrames(profile, RELEVANT);
    assert.equal(hidden.root.totalBytes, profile.root.totalBytes);
    assert.equal(hidden.totalBytes, profile.totalBytes);
    assert.deepEqual(hidden.frames, profile.frames);
    const [handler] = hidden.root.children;
    assert.equal(hidden.root.children.length, 1);
    assert.equal(hidden.frames[handler?.frame ?? -1]?.name, 'handler');
    assert.equal(handler?.selfBytes, 16);
    assert.equal(handler?.totalBytes, 48);
    assert.equal(handler?.children.length, 1, 'the three parse nodes merge into one');
    const parse = handler?.children[0];
    assert.equal(hidden.frames[parse?.frame ?? -1]?.name, 'parse');
    assert.equal(parse?.selfBytes, 30);
    assert.equal(parse?.totalBytes, 32);
    assert.equal(parse?.children[0]?.selfBytes, 2);
  });

  test('own bytes and samples add up to the same totals as before; every node total is consistent', () => {
    const profile = typicalProfile();
    for (const kinds of [
      RELEVANT,
      new Set<FrameKind>(['node', 'ramflow', 'dependency']),
      new Set<FrameKind>(),
    ]) {
      const hidden = hideFrames(profile, kinds);
      const nodes = nodesOf(hidden.root);
      assert.equal(
        nodes.reduce((sum, node) => sum + node.selfBytes, 0),
        profile.totalBytes,
      );
      assert.equal(
        nodes.reduce((sum, node) => sum + node.samples, 0),
        nodesOf(profile.root).reduce((sum, node) => sum + node.samples, 0),
      );
      for (const node of nodes) {
        assert.equal(
          node.totalBytes,
          node.children.reduce((sum, child) => sum + child.totalBytes, node.selfBytes),
        );
        assert.ok(node === hidden.root || !kinds.has(hidden.frames[node.frame]?.kind as FrameKind));
      }
    }
  });

  test('does not modify the profile it is given', () => {
    const profile = typicalProfile();
    const before = JSON.stringify(profile);
    hideFrames(profile, RELEVANT);
    topFunctions(profile, { by: 'self', hide: RELEVANT });
    assert.equal(JSON.stringify(profile), before);
  });
});

describe('formatLocation', () => {
  const frame = (url: string, line = 12, kind: FrameKind = 'app'): ProfileFrame => ({
    name: 'f',
    url,
    line,
    column: 3,
    kind,
  });

  test('dependencies: the path after the last node_modules/', () => {
    assert.equal(
      formatLocation(frame('file:///srv/app/node_modules/a/node_modules/b/lib/x.js', 7, 'dependency')),
      'b/lib/x.js:7',
    );
    assert.equal(
      formatLocation(frame('file:///srv/app/node_modules/@scope/pkg/index.js', 1, 'dependency')),
      '@scope/pkg/index.js:1',
    );
  });

  test('app files: relative to the working directory; elsewhere absolute', () => {
    const url = pathToFileURL(`${process.cwd()}/src/routes/home.js`).href;
    assert.equal(formatLocation(frame(url)), 'src/routes/home.js:12');
    assert.equal(formatLocation(frame('file:///elsewhere/app.js')), '/elsewhere/app.js:12');
    assert.equal(
      formatLocation(frame(pathToFileURL(`${process.cwd()}/with space.js`).href)),
      'with space.js:12',
    );
  });

  test('node: URLs as they are; no URL is native; unknown line is left out', () => {
    assert.equal(
      formatLocation(frame('node:internal/streams/readable', 500, 'node')),
      'node:internal/streams/readable:500',
    );
    assert.equal(formatLocation(frame('', 0, 'node')), '(native)');
    assert.equal(formatLocation(frame('file:///elsewhere/app.js', 0)), '/elsewhere/app.js');
  });
});
