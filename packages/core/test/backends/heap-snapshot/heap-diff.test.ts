/**
 * The heap-snapshot analysis: dominator tree and retained sizes on hand-built graphs (checked against a
 * brute-force definition of dominance), the diff on hand-built graphs, then the diff of real V8 snapshots a
 * child process writes around a scenario. The diff builds the dominator tree of the part of the heap new
 * objects retain only; random graphs and the real snapshots check it against the whole graph's tree
 * (`assertMatchesReference`).
 *
 * Facts the snapshot cases rely on, seen on Node 20:
 *  - A class instance is an `object` node named after its class; its self size is the same for all instances
 *    of one shape once V8's slack tracking is over, and the snapshot reports the final size for all of them.
 *  - `Buffer.alloc(n)` makes an `object` node named `Buffer` (Node's FastBuffer subclasses Uint8Array, but
 *    its prototype's `constructor` is `Buffer`, which is what V8 names objects after), 96 bytes, whose
 *    internal `buffer` edge leads to an `ArrayBuffer` node (88 bytes), whose `backing_store` edge leads to a
 *    `native` node `system / JSArrayBufferData` of n bytes. That node has an odd id too: it is a new object.
 *  - A JS array is an `object` node named `Array` holding its items through `element` edges (`[index]`); its
 *    backing store is an internal `(object elements)` node of type `array`.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { className } from '../../../src/backends/heap-snapshot/class-name.js';
import type { HeapSnapshotGraph } from '../../../src/backends/heap-snapshot/graph.js';
import { diffNewObjects, maxJsObjectId } from '../../../src/backends/heap-snapshot/heap-diff.js';
import type { HeapObjectGroup, HeapObjectsDiff, RetainerPath } from '../../../src/types.js';
import {
  type HandEdge,
  type HandNode,
  handGraph,
  type NodeView,
  nodeViews,
  outEdges,
  referenceDiff,
  snapshotPair,
  strongDistances,
  wholeGraphDominators,
} from '../../helpers/heap-snapshots.js';

const MiB = 1024 * 1024;

const root: HandNode = { name: '', type: 'synthetic' };
const to = (...targets: number[]): HandEdge[] => targets.map((target) => ({ to: target }));

function group(diff: Pick<HeapObjectsDiff, 'newObjects'>, name: string): HeapObjectGroup {
  const found = diff.newObjects.find((g) => g.constructorName === name);
  assert.ok(found, `no group ${name} among ${diff.newObjects.map((g) => g.constructorName).join(', ')}`);
  return found;
}

/** The nodes a path can end at: it is followed from the root over edges of its steps' types and labels. */
function pathEnds(graph: HeapSnapshotGraph, views: NodeView[], path: RetainerPath): Set<number> {
  const classOf = (ordinal: number) => {
    const view = views[ordinal] as NodeView;
    return className(view.type, view.name);
  };
  let at = new Set([0]);
  path.steps.forEach((step, i) => {
    const nextClass = path.steps[i + 1]?.name ?? path.target.name;
    const next = new Set<number>();
    for (const from of at) {
      if (classOf(from) !== step.name) continue;
      for (const edge of outEdges(graph, from)) {
        const label = edge.type === 'element' || edge.type === 'hidden' ? `[${edge.name}]` : edge.name;
        if (edge.type === step.edgeType && label === step.edge && classOf(edge.to) === nextClass)
          next.add(edge.to);
      }
    }
    at = next;
  });
  return at;
}

/**
 * Runs the diff without limits on groups and path lengths and checks it against the whole-graph reference
 * (helpers' `referenceDiff`): every group's figures, the totals, the unreachable count, and for the first
 * `pathGroups` groups that the paths lead to their largest top members, as short as any strong path, through
 * a user root when a shortest path goes through one.
 */
function assertMatchesReference(
  graph: HeapSnapshotGraph,
  beforeMax: number,
  label: string,
  pathGroups = Number.POSITIVE_INFINITY,
): void {
  const diff = diffNewObjects(graph, beforeMax, {
    groupLimit: Number.POSITIVE_INFINITY,
    pathGroups,
    maxPathSteps: Number.POSITIVE_INFINITY,
  });
  const reference = referenceDiff(graph, beforeMax);
  const names = diff.newObjects.map((g) => g.constructorName);
  assert.deepEqual([...names].sort(), [...reference.groups.keys()].sort(), `${label}: groups`);
  let count = 0;
  let selfBytes = 0;
  for (const g of diff.newObjects) {
    const ref = reference.groups.get(g.constructorName) as NonNullable<
      ReturnType<typeof reference.groups.get>
    >;
    assert.deepEqual(
      [g.count, g.selfBytes, g.retainedBytes, g.nativeBytes],
      [ref.count, ref.selfBytes, ref.retainedBytes, ref.nativeBytes],
      `${label}: group ${g.constructorName} (count, self, retained, native)`,
    );
    count += ref.count;
    selfBytes += ref.selfBytes;
  }
  assert.deepEqual(diff.totals, { count, selfBytes, nativeBytes: reference.nativeBytes }, `${label}: totals`);
  const note = diff.notes.find((n) => n.includes('unreachable'));
  assert.equal(
    Number(/^(\d+) new/.exec(note ?? '')?.[1] ?? 0),
    reference.unreachable,
    `${label}: unreachable`,
  );

  // Cut paths are the full ones' object ends.
  const cut = diffNewObjects(graph, beforeMax, {
    groupLimit: Number.POSITIVE_INFINITY,
    pathGroups,
    maxPathSteps: 2,
  });
  for (const g of diff.newObjects) {
    const short = cut.newObjects.find((c) => c.constructorName === g.constructorName)?.paths ?? [];
    assert.deepEqual(
      short,
      g.paths.map((path) =>
        path.steps.length > 2 ? { ...path, steps: path.steps.slice(-2), truncated: true } : path,
      ),
      `${label}: cut paths of ${g.constructorName}`,
    );
  }

  const views = nodeViews(graph);
  const ordinalOfId = new Map(views.map((n) => [n.id, n.ordinal]));
  const distance = strongDistances(graph);
  const viaUserRoots = strongDistances(graph, true);
  // The largest groups get paths, and as many of the largest constructor-named object groups.
  const named = diff.newObjects.filter(
    (g) => g.type === 'object' && !g.constructorName.startsWith('system /'),
  );
  const withPaths = new Set([...diff.newObjects.slice(0, pathGroups), ...named.slice(0, 10)]);
  diff.newObjects.forEach((g) => {
    if (!withPaths.has(g)) {
      assert.equal(g.paths.length, 0);
      return;
    }
    const top = reference.groups.get(g.constructorName)?.topRetained ?? [];
    const targets = g.paths.map((path) => ordinalOfId.get(path.target.id) as number);
    assert.deepEqual(
      targets.map((target) => reference.tree.retained(target)),
      top.slice(0, 3),
      `${label}: paths of ${g.constructorName} lead to its largest top members`,
    );
    g.paths.forEach((path, p) => {
      const target = targets[p] as number;
      const where = `${label}: path ${p} of ${g.constructorName}`;
      assert.equal(path.steps.length, distance[target], `${where} is a shortest one`);
      assert.ok(!path.truncated);
      const firstHeld = path.steps[1] ?? path.target;
      assert.equal(
        firstHeld.type !== 'synthetic',
        viaUserRoots[target] === distance[target],
        `${where}: user root`,
      );
      assert.ok(
        pathEnds(graph, views, path).has(target),
        `${where} follows edges of the graph to its target`,
      );
    });
  });
}

describe('dominator tree', () => {
  test('diamond: the node both branches lead to is dominated by where they split', () => {
    const graph = handGraph([
      { ...root, edges: to(1) },
      { name: 'a', self: 10, edges: to(2, 3) },
      { name: 'b', self: 20, edges: to(4) },
      { name: 'c', self: 30, edges: to(4) },
      { name: 'd', self: 40 },
    ]);
    const tree = wholeGraphDominators(graph);
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((node) => tree.idom(node)),
      [-1, 0, 1, 1, 1],
    );
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((node) => tree.retained(node)),
      [100, 100, 20, 30, 40],
    );
  });

  test('cycle: a cycle entered at one node is dominated by it; a second way in lifts the dominator', () => {
    const graph = handGraph([
      { ...root, edges: to(1, 4) },
      { name: 'a', self: 1, edges: to(2) },
      { name: 'b', self: 2, edges: to(3) },
      { name: 'c', self: 4, edges: to(1, 5) },
      { name: 'x', self: 8, edges: to(3) },
      { name: 'y', self: 16 },
    ]);
    const tree = wholeGraphDominators(graph);
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((node) => tree.idom(node)),
      [0, 1, 0, 0, 3],
    );
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((node) => tree.retained(node)),
      [3, 2, 20, 8, 16],
    );
  });

  test('unreachable nodes are outside the tree and do not change dominators', () => {
    const graph = handGraph([
      { ...root, edges: to(1) },
      { name: 'a', self: 1, edges: to(2) },
      { name: 'b', self: 2 },
      { name: 'garbage', self: 100, edges: to(2) },
    ]);
    const tree = wholeGraphDominators(graph);
    assert.equal(tree.reachable, 3);
    assert.equal(tree.idom(3), -1);
    assert.equal(tree.retained(3), 0);
    assert.equal(tree.idom(2), 1);
    assert.equal(tree.retained(0), 3);
  });

  test('weak edges keep nothing alive; shortcut edges count from the root only', () => {
    const graph = handGraph([
      {
        ...root,
        edges: [{ to: 1 }, { to: 3 }, { to: 4, type: 'weak' }, { to: 5, type: 'shortcut', name: '2' }],
      },
      { name: 'a', self: 1, edges: [{ to: 2, type: 'weak' }] },
      { name: 'b', self: 2 },
      { name: 'c', self: 4, edges: [{ to: 2 }, { to: 6, type: 'shortcut' }] },
      { name: 'weakly held', self: 8 },
      { name: 'global', self: 16, edges: to(6) },
      { name: 'bound', self: 32 },
    ]);
    const tree = wholeGraphDominators(graph);
    assert.equal(tree.idom(2), 3, 'b is held strongly by c only');
    assert.equal(tree.retained(1), 1, 'a retains nothing through its weak edge');
    assert.equal(tree.idom(4), -1, 'a node held only weakly is unreachable');
    assert.equal(tree.idom(5), 0, 'the root shortcut to the global object counts');
    assert.equal(tree.idom(6), 5, "c's shortcut to it does not");
    assert.equal(tree.retained(0), 1 + 2 + 4 + 16 + 32);
  });

  test('matches the definition (d dominates v iff v is unreachable without d) on random graphs', () => {
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const types = ['property', 'property', 'element', 'internal', 'weak', 'shortcut'];
    for (let round = 0; round < 300; round++) {
      const count = 2 + random(24);
      const list: HandNode[] = [{ ...root, edges: [] }];
      for (let i = 1; i < count; i++) list.push({ name: `n${i}`, self: 1 + random(100), edges: [] });
      for (let e = random(count * 3); e > 0; e--)
        list[random(count)]?.edges?.push({
          to: 1 + random(count - 1),
          type: types[random(types.length)] as string,
        });
      const graph = handGraph(list);
      const tree = wholeGraphDominators(graph);

      const strong = (from: number, edge: HandEdge) =>
        edge.type !== 'weak' && (edge.type !== 'shortcut' || from === 0);
      const reach = (without: number): boolean[] => {
        const seen = list.map(() => false);
        const stack = without === 0 ? [] : [0];
        seen[0] = without !== 0;
        while (stack.length > 0) {
          const from = stack.pop() as number;
          for (const edge of list[from]?.edges ?? [])
            if (strong(from, edge) && edge.to !== without && !seen[edge.to]) {
              seen[edge.to] = true;
              stack.push(edge.to);
            }
        }
        return seen;
      };
      const reachable = reach(-1);
      const dominated = list.map((_, d) => {
        const without = reach(d);
        return list.map((__, v) => reachable[v] === true && (v === d || !without[v]));
      });
      for (let v = 0; v < count; v++) {
        if (!reachable[v] || v === 0) {
          assert.equal(tree.idom(v), -1);
          continue;
        }
        // The immediate dominator: the strict dominator that all the others dominate.
        const strict = list.map((_, d) => d).filter((d) => d !== v && dominated[d]?.[v]);
        const idom = strict.find((d) => strict.every((other) => dominated[other]?.[d]));
        assert.equal(tree.idom(v), idom, `round ${round}, node ${v}`);
        const retained = list.reduce((sum, node, u) => sum + (dominated[v]?.[u] ? (node.self ?? 0) : 0), 0);
        assert.equal(tree.retained(v), retained, `round ${round}, retained size of ${v}`);
      }
    }
  });

  test('a chain 200,000 nodes long (no recursion)', () => {
    const length = 200_000;
    const list: HandNode[] = [{ ...root, edges: to(1) }];
    for (let i = 1; i <= length; i++)
      list.push({ name: 'link', self: 8, edges: i < length ? to(i + 1) : [] });
    const tree = wholeGraphDominators(handGraph(list));
    assert.equal(tree.retained(1), 8 * length);
    assert.equal(tree.idom(length), length - 1);
  });
});

describe('class names', () => {
  test('group as DevTools does, with the string variants merged', () => {
    assert.equal(className('object', 'LeakyWidget'), 'LeakyWidget');
    assert.equal(className('object', 'system / Context'), 'system / Context');
    assert.equal(className('native', 'system / JSArrayBufferData'), 'system / JSArrayBufferData');
    assert.equal(className('hidden', 'system / Map'), '(system)');
    assert.equal(className('code', 'foo'), '(compiled code)');
    assert.equal(className('closure', 'foo'), '(closure)');
    assert.equal(className('concatenated string', 'ab'), '(string)');
    assert.equal(className('sliced string', 'ab'), '(string)');
    assert.equal(className('array', '(object elements)'), '(array)');
    assert.equal(className('regexp', '/a/'), '(regexp)');
    assert.equal(className('number', 'heap number'), '(number)');
    assert.equal(className('synthetic', '(GC roots)'), '(GC roots)');
    assert.equal(className('synthetic', ''), '(root)');
  });
});

describe('diffNewObjects on hand-built graphs', () => {
  // ids: odd below 100 existed before; above 100 are new.
  const graph = handGraph([
    { ...root, edges: [{ to: 1, type: 'shortcut', name: '2' }] },
    {
      name: 'global',
      id: 3,
      self: 10,
      edges: [
        { to: 2, name: 'cache' },
        { to: 9, name: 'old' },
      ],
    },
    {
      name: 'Cache',
      id: 101,
      self: 100,
      edges: [
        { to: 3, name: 'inner' },
        { to: 4, name: 'buf' },
      ],
    },
    { name: 'Cache', id: 103, self: 100, edges: [{ to: 5, name: 'buf' }] },
    { name: 'Buffer', id: 105, self: 96, edges: [{ to: 6, type: 'internal', name: 'buffer' }] },
    { name: 'Buffer', id: 107, self: 96, edges: [{ to: 7, type: 'internal', name: 'buffer' }] },
    { name: 'ArrayBuffer', id: 109, self: 88, edges: [{ to: 8, type: 'internal', name: 'backing_store' }] },
    { name: 'ArrayBuffer', id: 111, self: 88, edges: [{ to: 10, type: 'internal', name: 'backing_store' }] },
    { name: 'system / JSArrayBufferData', type: 'native', id: 113, self: 1000 },
    { name: 'Old', id: 5, self: 50, edges: [{ to: 11, name: 'fresh' }] },
    { name: 'system / JSArrayBufferData', type: 'native', id: 200, self: 3000 },
    { name: 'fresh', type: 'string', id: 115, self: 24 },
    { name: 'Cache', id: 117, self: 100, edges: [{ to: 4, name: 'buf' }] },
  ]);

  test('counts, self sizes, nested members once, native bytes per group and once in total', () => {
    const diff = diffNewObjects(graph, 99);
    const cache = group(diff, 'Cache');
    assert.deepEqual(
      { count: cache.count, self: cache.selfBytes, retained: cache.retainedBytes, native: cache.nativeBytes },
      { count: 2, self: 200, retained: 100 + 100 + 2 * (96 + 88) + 1000 + 3000, native: 4000 },
    );
    const buffer = group(diff, 'Buffer');
    assert.deepEqual(
      [buffer.count, buffer.retainedBytes, buffer.nativeBytes],
      [2, 2 * (96 + 88) + 4000, 4000],
    );
    const data = group(diff, 'system / JSArrayBufferData');
    assert.deepEqual(
      [data.count, data.selfBytes, data.nativeBytes],
      [1, 1000, 1000],
      'the even id is not new',
    );
    assert.equal(group(diff, '(string)').count, 1, 'a new object held by an old one is new');
    assert.deepEqual(diff.totals, {
      count: 8,
      selfBytes: 200 + 2 * 96 + 2 * 88 + 1000 + 24,
      nativeBytes: 4000,
    });
    assert.equal(diff.newObjects[0]?.constructorName, 'Cache');
    assert.match(diff.notes.join(' '), /1 new object\(s\) in the snapshot were unreachable/);
  });

  test('paths lead from the root through the first holder, by name', () => {
    const diff = diffNewObjects(graph, 99);
    const [path] = group(diff, 'Buffer').paths;
    assert.deepEqual(
      path?.steps.map((step) => [step.name, step.edge, step.edgeType]),
      [
        ['(root)', '2', 'shortcut'],
        ['global', 'cache', 'property'],
        ['Cache', 'inner', 'property'],
        ['Cache', 'buf', 'property'],
      ],
    );
    assert.deepEqual(path?.target, { name: 'Buffer', type: 'object', id: 107 });
  });

  test('groups past the limit are merged; paths only for the first groups', () => {
    const diff = diffNewObjects(graph, 99, {
      groupLimit: 2,
      pathGroups: 1,
      namedPathGroups: 1,
      pathsPerGroup: 1,
    });
    assert.deepEqual(
      diff.newObjects.map((g) => [g.constructorName, g.paths.length]),
      [
        ['Cache', 1],
        ['Buffer', 0],
      ],
    );
    assert.deepEqual(diff.omitted, { groups: 3, count: 4, selfBytes: 2 * 88 + 1000 + 24 });
  });
});

describe('diffNewObjects equals the whole-graph analysis', () => {
  test('an old object only new ones reach, and a shortest path that leaves the new objects again', () => {
    const graph = handGraph([
      {
        ...root,
        edges: [
          { to: 2, type: 'element', name: 1 },
          { to: 1, type: 'shortcut', name: '2' },
        ],
      },
      {
        name: 'global',
        id: 3,
        edges: [
          { to: 3, name: 'a' },
          { to: 6, name: 'b' },
        ],
      },
      { name: '(GC roots)', type: 'synthetic', id: 5, edges: [{ to: 3, type: 'element', name: 7 }] },
      {
        name: 'Fresh',
        id: 101,
        self: 10,
        edges: [
          { to: 4, name: 'x' },
          { to: 8, name: 'shortcut' },
        ],
      },
      { name: 'Old', id: 7, self: 20, edges: [{ to: 5, type: 'internal', name: 'store' }] },
      { name: 'system / JSArrayBufferData', type: 'native', id: 200, self: 500 },
      { name: 'Old', id: 9, self: 1, edges: [{ to: 7, name: 'c' }] },
      { name: 'Old', id: 11, self: 1, edges: [{ to: 8, name: 'd' }] },
      { name: 'Old', id: 13, self: 1, edges: [{ to: 9, name: 'leaf' }] },
      { name: 'Leaf', id: 103, self: 40 },
    ]);
    const diff = diffNewObjects(graph, 99);
    const fresh = group(diff, 'Fresh');
    assert.deepEqual(
      [fresh.retainedBytes, fresh.nativeBytes],
      [10 + 20 + 500, 500],
      'Fresh retains the old object only it reaches and its native store, not the one reachable without it',
    );
    assert.equal(group(diff, 'Leaf').retainedBytes, 40);
    assert.equal(diff.totals.nativeBytes, 500);
    assert.deepEqual(
      group(diff, 'Leaf').paths[0]?.steps.map((step) => `${step.name}.${step.edge}`),
      ['(root).2', 'global.a', 'Fresh.shortcut', 'Old.leaf'],
      'through the new object, shorter than through the old ones; via the global, not the GC roots',
    );
    assert.deepEqual(
      group(diff, 'Fresh').paths[0]?.steps.map((step) => `${step.name}.${step.edge}`),
      ['(root).2', 'global.a'],
    );
    assertMatchesReference(graph, 99, 'hand-built');
  });

  test("a path avoids V8's instant roots (stack, handles, strong roots) when another exists, however longer", () => {
    // As seen under CPU load: a compile job in flight, or code that had just read it, held the module's array.
    const graph = handGraph([
      { ...root, edges: [{ to: 1, type: 'element', name: 1 }] },
      {
        name: '(GC roots)',
        type: 'synthetic',
        edges: [
          { to: 2, type: 'element', name: 7 },
          { to: 3, type: 'element', name: 11 },
          { to: 4, type: 'element', name: 17 },
          { to: 5, type: 'element', name: 13 },
        ],
      },
      { name: '(Stack roots)', type: 'synthetic', edges: [{ to: 9, type: 'internal', name: '97' }] },
      {
        name: '(Handle scope)',
        type: 'synthetic',
        edges: [
          { to: 9, type: 'internal', name: '46' },
          { to: 12, type: 'internal', name: '47' },
        ],
      },
      {
        name: '(Strong roots)',
        type: 'synthetic',
        edges: [{ to: 9, type: 'internal', name: '2 / IdentityMapBase' }],
      },
      { name: '(Global handles)', type: 'synthetic', edges: [{ to: 6, type: 'internal', name: '12' }] },
      { name: 'ModuleWrap', edges: [{ to: 7, type: 'internal', name: 'context' }] },
      { name: 'Context', edges: [{ to: 8, name: 'handler' }] },
      { name: 'system / Context', edges: [{ to: 9, type: 'context', name: 'probes' }] },
      { name: 'Array', edges: [{ to: 10, type: 'element', name: 0 }] },
      { name: 'Probe', id: 101, self: 24 },
      { name: 'Unused', self: 1 },
      // Held by a handle only: garbage once the handle goes, and the handle is its only path.
      { name: 'Scratch', id: 103, self: 8 },
    ]);
    const diff = diffNewObjects(graph, 99);
    assert.deepEqual(
      group(diff, 'Probe').paths[0]?.steps.map((step) => `${step.name}.${step.edge}`),
      [
        '(root).[1]',
        '(GC roots).[13]',
        '(Global handles).12',
        'ModuleWrap.context',
        'Context.handler',
        'system / Context.probes',
        'Array.[0]',
      ],
    );
    assert.deepEqual(
      group(diff, 'Scratch').paths[0]?.steps.map((step) => `${step.name}.${step.edge}`),
      ['(root).[1]', '(GC roots).[11]', '(Handle scope).47'],
    );
  });

  test('a new object at the end of a chain 100,000 old objects long: the path, cut or whole', () => {
    const length = 100_000;
    const list: HandNode[] = [{ ...root, edges: to(1) }];
    for (let i = 1; i <= length; i++) list.push({ name: 'Link', id: 2 * i + 1, edges: to(i + 1) });
    list.push({ name: 'Fresh', id: 2 * length + 3, self: 5 });
    const graph = handGraph(list);
    const [cut] = group(diffNewObjects(graph, 2 * length + 1), 'Fresh').paths;
    assert.deepEqual([cut?.steps.length, cut?.truncated, cut?.steps.at(-1)?.name], [24, true, 'Link']);
    const [whole] = group(diffNewObjects(graph, 2 * length + 1, { maxPathSteps: Infinity }), 'Fresh').paths;
    assert.deepEqual(
      [whole?.steps.length, whole?.truncated, whole?.steps[0]?.name],
      [length + 1, undefined, '(root)'],
    );
    assert.deepEqual(cut?.steps, whole?.steps.slice(-24));
  });

  test('on random graphs: groups, nesting, retained and native bytes, paths', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const edgeTypes = ['property', 'property', 'element', 'internal', 'hidden', 'weak', 'shortcut'];
    const kinds: HandNode[] = [
      { name: 'A' },
      { name: 'A' },
      { name: 'B' },
      { name: 's', type: 'string' },
      { name: 'system / JSArrayBufferData', type: 'native' },
      { name: 'N', type: 'native' },
      { name: '(GC roots)', type: 'synthetic' },
    ];
    // Then with V8's root layout at the start, `(root) → (GC roots) → (Handle scope)`, an instant root that
    // paths avoid.
    for (const handleScope of [false, true]) {
      for (let round = 0; round < 400; round++) {
        const count = 2 + random(30) + (handleScope ? 2 : 0);
        const list: HandNode[] = [{ ...root, edges: [] }];
        if (handleScope) {
          list[0]?.edges?.push({ to: 1, type: 'element', name: 1 });
          list.push(
            { name: '(GC roots)', type: 'synthetic', id: 4, edges: [{ to: 2, type: 'element', name: 11 }] },
            { name: '(Handle scope)', type: 'synthetic', id: 6, edges: [] },
          );
        }
        for (let i = list.length; i < count; i++) {
          const kind = kinds[random(kinds.length)] as HandNode;
          // Unique ids: odd at most 99 existed before, odd above are new, even are native (embedder) ids.
          const age = random(3);
          const id = age === 0 ? 2 * i + 1 : age === 1 ? 101 + 2 * i : 2 * i + 2;
          list.push({ ...kind, id, self: 1 + random(1000), edges: [] });
        }
        for (let e = random(count * 3); e > 0; e--) {
          // With the handle scope: few edges from the root (a high-bits draw, 1 in 32), 1 in 16 from the handle
          // scope, so that some objects are nearer through it than through the rest (about 1 graph in 25).
          const high = handleScope ? random(2 ** 31) >>> 27 : 0;
          const from = handleScope
            ? high === 0
              ? 0
              : high < 3
                ? 2
                : random(count)
            : random(4) === 0
              ? 0
              : random(count);
          list[from]?.edges?.push({
            to: 1 + random(count - 1),
            type: edgeTypes[random(edgeTypes.length)] as string,
          });
        }
        assertMatchesReference(handGraph(list), 99, `round ${round}${handleScope ? ' (handle scope)' : ''}`);
      }
    }
  });
});

describe('diffNewObjects on real V8 snapshots', () => {
  test('5,000 instances kept in a global array: exact count and size, a path through the array', async () => {
    const { before, after } = await snapshotPair(
      "class LeakyWidget { constructor(i) { this.i = i; this.label = 'w'; } }",
      'globalThis.keep = []; for (let i = 0; i < 5000; i++) keep.push(new LeakyWidget(i));',
    );
    const beforeMax = maxJsObjectId(before);
    const diff = diffNewObjects(after, beforeMax);
    const widgets = group(diff, 'LeakyWidget');
    assertMatchesReference(after, beforeMax, 'LeakyWidget', 5);

    const instances = nodeViews(after).filter((n) => n.name === 'LeakyWidget' && n.type === 'object');
    const fresh = instances.filter((n) => n.id > beforeMax);
    assert.equal(fresh.length, 5000);
    const size = fresh[0]?.self ?? 0;
    assert.ok(size > 0 && fresh.every((n) => n.self === size), 'one instance size');
    assert.equal(widgets.count, 5000);
    assert.equal(widgets.selfBytes, 5000 * size);
    assert.equal(widgets.type, 'object');
    assert.ok(widgets.retainedBytes >= widgets.selfBytes);

    assert.ok(widgets.paths.length > 0);
    for (const path of widgets.paths) {
      assert.equal(path.target.name, 'LeakyWidget');
      assert.equal(path.steps[0]?.name, '(root)');
      assert.ok(
        path.steps.some((step) => step.name === 'global' && step.edge === 'keep'),
        'through global.keep',
      );
      const last = path.steps.at(-1);
      assert.deepEqual([last?.name, last?.edgeType], ['Array', 'element']);
      assert.match(last?.edge ?? '', /^\[\d+\]$/);
    }

    const cut = diffNewObjects(after, beforeMax, { maxPathSteps: 1 });
    const [short] = group(cut, 'LeakyWidget').paths;
    assert.equal(short?.truncated, true);
    assert.deepEqual(
      short?.steps.map((step) => step.name),
      ['Array'],
      'a cut path keeps the object end',
    );
  });

  test('8 MiB of Buffers in an owner: native bytes in the Buffer group, a path via the owner', async () => {
    const { before, after } = await snapshotPair(
      'class BlobCache { constructor() { this.chunks = []; } }\nconst MiB = 1024 * 1024;',
      'globalThis.owner = new BlobCache();\n' +
        'for (let i = 0; i < 8; i++) owner.chunks.push(Buffer.alloc(MiB));',
    );
    const diff = diffNewObjects(after, maxJsObjectId(before));
    assertMatchesReference(after, maxJsObjectId(before), 'Buffers', 5);
    const near = (bytes: number) => Math.abs(bytes - 8 * MiB) <= 0.05 * 8 * MiB;

    const buffers = group(diff, 'Buffer');
    assert.equal(buffers.count, 8);
    assert.ok(near(buffers.nativeBytes), `Buffer native bytes ${buffers.nativeBytes}`);
    assert.ok(near(group(diff, 'ArrayBuffer').nativeBytes));
    assert.ok(near(diff.totals.nativeBytes), `total native bytes ${diff.totals.nativeBytes} (counted once)`);
    // Node's bookkeeping may add a small Uint8Array; the 8 MiB are under `Buffer`, none under `FastBuffer`.
    assert.ok(!diff.newObjects.some((g) => g.constructorName === 'FastBuffer'));
    assert.ok(diff.newObjects.every((g) => g.constructorName !== 'Uint8Array' || g.nativeBytes < MiB));

    const owner = diff.newObjects[0];
    assert.equal(owner?.constructorName, 'BlobCache', 'the owner retains the most');
    assert.ok(owner && near(owner.nativeBytes) && owner.retainedBytes > 8 * MiB);

    assert.ok(buffers.paths.length > 0);
    for (const path of buffers.paths)
      assert.ok(
        path.steps.some((step) => step.name === 'BlobCache' && step.edge === 'chunks'),
        path.steps.map((step) => `${step.name}.${step.edge}`).join(' → '),
      );
  });

  test('garbage and mutated old objects are not new', async () => {
    const { before, after } = await snapshotPair(
      [
        'class Existing { constructor() { this.count = 0; this.tag = "a"; } }',
        'class Dropped { constructor(i) { this.i = i; } }',
        'class Kept { constructor(i) { this.i = i; } }',
        'globalThis.existing = Array.from({ length: 100 }, () => new Existing());',
      ].join('\n'),
      [
        'for (const e of existing) { e.count++; e.tag = "b"; }',
        'let dropped = []; for (let i = 0; i < 10000; i++) dropped.push(new Dropped(i)); dropped = null;',
        'globalThis.kept = [new Kept(1), new Kept(2)];',
      ].join('\n'),
    );
    const diff = diffNewObjects(after, maxJsObjectId(before));
    assertMatchesReference(after, maxJsObjectId(before), 'garbage', 5);
    const names = diff.newObjects.map((g) => g.constructorName);
    assert.ok(!names.includes('Dropped'), 'dropped objects were collected');
    assert.ok(!names.includes('Existing'), 'mutated objects are old');
    assert.equal(nodeViews(after).filter((n) => n.name === 'Existing' && n.type === 'object').length, 100);
    assert.equal(group(diff, 'Kept').count, 2);
  });

  test('a linked list of 100 nodes retains its nodes once', async () => {
    const { before, after } = await snapshotPair(
      'class ListNode { constructor(next, i) { this.next = next; this.data = [i, i + 1, i + 2]; } }',
      'let head = null; for (let i = 0; i < 100; i++) head = new ListNode(head, i); globalThis.list = head;',
    );
    const diff = diffNewObjects(after, maxJsObjectId(before));
    assertMatchesReference(after, maxJsObjectId(before), 'ListNode', 5);
    const list = group(diff, 'ListNode');
    assert.equal(list.count, 100);

    // Each node owns its data array and that array's elements store. The list also holds, alone, the hidden
    // class (map) its nodes share: V8's transition tree holds maps weakly. A nested sum would be ~50x this.
    const views = nodeViews(after);
    const selfOf = (ordinal: number) => views[ordinal]?.self ?? 0;
    let own = 0;
    for (const node of views.filter((n) => n.name === 'ListNode' && n.type === 'object')) {
      const data = outEdges(after, node.ordinal).find((e) => e.name === 'data')?.to ?? -1;
      const elements = outEdges(after, data).find((e) => e.name === 'elements')?.to ?? -1;
      own += node.self + selfOf(data) + selfOf(elements);
    }
    assert.ok(
      list.retainedBytes >= own && list.retainedBytes <= own + 1024,
      `retained ${list.retainedBytes}, nodes and their arrays ${own}`,
    );
    assert.equal(list.paths.length, 1, 'one top member: the head');
    assert.deepEqual(
      list.paths[0]?.steps.map((step) => `${step.name}.${step.edge}`),
      ['(root).2', 'global.list'],
    );
  });
});
