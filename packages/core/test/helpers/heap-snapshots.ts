/**
 * Heap snapshot graphs for tests, two ways:
 *
 *  - {@link snapshotPair}: real V8 snapshots. A child Node process runs `setup`, writes a snapshot, runs
 *    `scenario`, writes another; both are read back with `JSON.parse` and `graphFromSnapshotJson`. A child
 *    process, so that the test runner's own objects are not in them.
 *  - {@link handGraph}: small graphs written by hand, in V8's snapshot layout, for unit tests.
 *
 * Plus a few readers that look at a graph independently of the code under test, and the whole-graph reference
 * the diff is checked against: the dominator tree of the whole graph and a plain grouping of new objects over
 * it.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { className } from '../../src/backends/heap-snapshot/class-name.js';
import {
  buildDominatorTree,
  edgeStarts,
  IN_TREE,
  OPEN,
} from '../../src/backends/heap-snapshot/dominators.js';
import {
  graphFromSnapshotJson,
  graphLayout,
  type HeapSnapshotGraph,
} from '../../src/backends/heap-snapshot/graph.js';
import { INSTANT_ROOTS } from '../../src/backends/heap-snapshot/retainer-paths.js';

/** Snapshots written around a scenario, read back. */
export interface SnapshotPair {
  before: HeapSnapshotGraph;
  after: HeapSnapshotGraph;
}

/**
 * Runs `setup` (CommonJS script code), writes the "before" snapshot, runs `scenario`, writes the "after" one,
 * in a fresh `node` process. The scenario runs in a function of its own, so that what it keeps is reachable
 * only through what it stores (e.g. on `globalThis`), not through a register of a frame still on the stack.
 */
export async function snapshotPair(setup: string, scenario: string): Promise<SnapshotPair> {
  const dir = await mkdtemp(join(tmpdir(), 'ramflow-heap-'));
  try {
    const beforePath = join(dir, 'before.heapsnapshot');
    const afterPath = join(dir, 'after.heapsnapshot');
    const script = [
      "const { writeHeapSnapshot } = require('node:v8');",
      setup,
      `writeHeapSnapshot(${JSON.stringify(beforePath)});`,
      `(() => {\n${scenario}\n})();`,
      `writeHeapSnapshot(${JSON.stringify(afterPath)});`,
    ].join('\n');
    await promisify(execFile)(process.execPath, ['-e', script], { cwd: dir });
    const read = async (path: string) => graphFromSnapshotJson(JSON.parse(await readFile(path, 'utf8')));
    return { before: await read(beforePath), after: await read(afterPath) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** One node of a hand-written graph: its name, V8 type (default `object`), self size and outgoing edges. */
export interface HandNode {
  name: string;
  type?: string;
  /** Default: 2 × its index + 1 (odd, like a JS object's). */
  id?: number;
  self?: number;
  edges?: HandEdge[];
}

/** An edge to the node at index `to`; `type` defaults to `property`, `name` to `e<to>`. */
export interface HandEdge {
  to: number;
  type?: string;
  name?: string | number;
}

const NODE_TYPES = [
  'hidden',
  'array',
  'string',
  'object',
  'code',
  'closure',
  'regexp',
  'number',
  'native',
  'synthetic',
  'concatenated string',
  'sliced string',
  'symbol',
  'bigint',
  'object shape',
];
const EDGE_TYPES = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];

/** A HeapSnapshotGraph in V8's layout from a list of nodes; node 0 is the root. */
export function handGraph(list: HandNode[]): HeapSnapshotGraph {
  const strings: string[] = [];
  const indexOf = new Map<string, number>();
  const stringIndex = (value: string): number => {
    let at = indexOf.get(value);
    if (at === undefined) {
      at = strings.push(value) - 1;
      indexOf.set(value, at);
    }
    return at;
  };
  const nodes: number[] = [];
  const edges: number[] = [];
  list.forEach((node, index) => {
    const type = NODE_TYPES.indexOf(node.type ?? 'object');
    if (type < 0) throw new Error(`unknown node type ${node.type}`);
    const out = node.edges ?? [];
    nodes.push(type, stringIndex(node.name), node.id ?? 2 * index + 1, node.self ?? 0, out.length, 0, 0);
    for (const edge of out) {
      const edgeType = EDGE_TYPES.indexOf(edge.type ?? 'property');
      if (edgeType < 0) throw new Error(`unknown edge type ${edge.type}`);
      const name = edge.name ?? `e${edge.to}`;
      const indexed = edge.type === 'element' || edge.type === 'hidden';
      edges.push(edgeType, indexed ? Number(name) : stringIndex(String(name)), edge.to * 7);
    }
  });
  return graphFromSnapshotJson({
    snapshot: {
      meta: {
        node_fields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'],
        node_types: [NODE_TYPES],
        edge_fields: ['type', 'name_or_index', 'to_node'],
        edge_types: [EDGE_TYPES],
      },
      node_count: list.length,
      edge_count: edges.length / 3,
    },
    nodes,
    edges,
    strings,
  });
}

/** A node's fields, read straight from the graph. */
export interface NodeView {
  ordinal: number;
  type: string;
  name: string;
  id: number;
  self: number;
}

/** Every node of `graph`, as plain objects (small test graphs only). */
export function nodeViews(graph: HeapSnapshotGraph): NodeView[] {
  const layout = graphLayout(graph);
  const views: NodeView[] = [];
  for (let ordinal = 0; ordinal < graph.nodeCount; ordinal++) {
    const at = ordinal * layout.nodeFieldCount;
    views.push({
      ordinal,
      type: graph.nodeTypes[graph.nodes[at + layout.nodeType] as number] as string,
      name: graph.strings[graph.nodes[at + layout.nodeName] as number] as string,
      id: graph.nodes[at + layout.nodeId] as number,
      self: graph.nodes[at + layout.nodeSelfSize] as number,
    });
  }
  return views;
}

/** The outgoing edges of a node: type, name (or index) and target ordinal. */
export function outEdges(
  graph: HeapSnapshotGraph,
  ordinal: number,
): { type: string; name: string; to: number }[] {
  const layout = graphLayout(graph);
  let first = 0;
  for (let node = 0; node < ordinal; node++)
    first += graph.nodes[node * layout.nodeFieldCount + layout.nodeEdgeCount] as number;
  const count = graph.nodes[ordinal * layout.nodeFieldCount + layout.nodeEdgeCount] as number;
  const out = [];
  for (let e = first; e < first + count; e++) {
    const at = e * layout.edgeFieldCount;
    const type = graph.edgeTypes[graph.edges[at + layout.edgeType] as number] as string;
    const nameOrIndex = graph.edges[at + layout.edgeNameOrIndex] as number;
    const name =
      type === 'element' || type === 'hidden' ? String(nameOrIndex) : (graph.strings[nameOrIndex] as string);
    out.push({ type, name, to: graph.edges[at + layout.edgeToNode] as number });
  }
  return out;
}

/** The dominator tree of a whole graph, by node ordinal. */
export interface WholeGraphDominators {
  /** Nodes strong paths from the root reach, the root included. */
  reachable: number;
  /** The immediate dominator; -1 for the root and for nodes not reachable. */
  idom(ordinal: number): number;
  /** The retained size; 0 for nodes not reachable. */
  retained(ordinal: number): number;
}

/** {@link buildDominatorTree} over the whole graph: node 0 the one entry, every node open. */
export function wholeGraphDominators(graph: HeapSnapshotGraph): WholeGraphDominators {
  const layout = graphLayout(graph);
  const state = new Uint8Array(graph.nodeCount).fill(OPEN);
  const numberOf = new Uint32Array(graph.nodeCount);
  const tree = buildDominatorTree(
    graph,
    layout,
    edgeStarts(graph, layout),
    Uint32Array.of(0),
    state,
    graph.nodeCount,
    numberOf,
  );
  const number = (ordinal: number) => (state[ordinal] === IN_TREE ? (numberOf[ordinal] as number) : 0);
  return {
    reachable: tree.reachable - 1,
    idom: (ordinal) => {
      const w = number(ordinal);
      return w > 2 ? (tree.ordinalAt[tree.idom[w] as number] as number) : -1;
    },
    retained: (ordinal) => {
      const w = number(ordinal);
      return w > 0 ? (tree.retainedSize[w] as number) : 0;
    },
  };
}

/** A group of new objects as the reference computes it. */
export interface ReferenceGroup {
  count: number;
  selfBytes: number;
  retainedBytes: number;
  nativeBytes: number;
  /** Retained sizes of its top members (those no other member dominates), largest first. */
  topRetained: number[];
}

/**
 * The diff's figures from the whole graph's dominator tree, by definition and slowly (each node walks its
 * dominator chain): new objects are odd ids above `beforeMaxJsObjectId`, not synthetic, reachable; a group's
 * retained size sums its top members; its native bytes are the native nodes some member dominates (or is).
 */
export function referenceDiff(
  graph: HeapSnapshotGraph,
  beforeMaxJsObjectId: number,
): {
  tree: WholeGraphDominators;
  groups: Map<string, ReferenceGroup>;
  nativeBytes: number;
  unreachable: number;
} {
  const tree = wholeGraphDominators(graph);
  const views = nodeViews(graph);
  const isNew = (n: NodeView) => n.id % 2 === 1 && n.id > beforeMaxJsObjectId && n.type !== 'synthetic';
  const reachable = (n: NodeView) => n.ordinal === 0 || tree.idom(n.ordinal) >= 0;
  const groupOf = (n: NodeView) => (isNew(n) ? className(n.type, n.name) : undefined);
  /** The classes of the new objects among a node's dominators, itself included or not. */
  const dominatingClasses = (n: NodeView, self: boolean): Set<string> => {
    const found = new Set<string>();
    for (let d = self ? n.ordinal : tree.idom(n.ordinal); d >= 0; d = tree.idom(d)) {
      const cls = groupOf(views[d] as NodeView);
      if (cls !== undefined) found.add(cls);
    }
    return found;
  };
  const groups = new Map<string, ReferenceGroup>();
  let unreachable = 0;
  for (const n of views) {
    const cls = groupOf(n);
    if (cls === undefined) continue;
    if (!reachable(n)) {
      unreachable++;
      continue;
    }
    let group = groups.get(cls);
    if (group === undefined) {
      group = { count: 0, selfBytes: 0, retainedBytes: 0, nativeBytes: 0, topRetained: [] };
      groups.set(cls, group);
    }
    group.count++;
    group.selfBytes += n.self;
    if (!dominatingClasses(n, false).has(cls)) {
      group.retainedBytes += tree.retained(n.ordinal);
      group.topRetained.push(tree.retained(n.ordinal));
    }
  }
  let nativeBytes = 0;
  for (const n of views) {
    if (n.type !== 'native' || !reachable(n)) continue;
    const classes = dominatingClasses(n, true);
    if (classes.size > 0) nativeBytes += n.self;
    for (const c of classes) (groups.get(c) as ReferenceGroup).nativeBytes += n.self;
  }
  for (const group of groups.values()) group.topRetained.sort((a, b) => b - a);
  return { tree, groups, nativeBytes, unreachable };
}

/**
 * Each node's distance from the root over strong edges (-1: not reachable), by a plain breadth-first search;
 * with `viaUserRoots`, over paths whose first step leads to a user root (a non-synthetic node the root holds).
 * Paths avoid V8's instant roots (synthetic nodes named in retainer-paths.ts's INSTANT_ROOTS that the `(GC roots)`
 * node holds): a node reachable without them gets its distance without them, others their distance through them.
 */
export function strongDistances(graph: HeapSnapshotGraph, viaUserRoots = false): number[] {
  const layout = graphLayout(graph);
  const name = (node: number) =>
    graph.strings[graph.nodes[node * layout.nodeFieldCount + layout.nodeName] as number];
  const synthetic = (node: number) =>
    graph.nodeTypes[graph.nodes[node * layout.nodeFieldCount + layout.nodeType] as number] === 'synthetic';
  const gcRoots = outEdges(graph, 0)
    .map((edge) => edge.to)
    .filter((node) => synthetic(node) && name(node) === '(GC roots)');
  const blocked = new Set(
    gcRoots.flatMap((node) =>
      outEdges(graph, node)
        .map((edge) => edge.to)
        .filter((held) => synthetic(held) && INSTANT_ROOTS.has(name(held) as string)),
    ),
  );
  // Which search finds a node's path: the one without the handle scopes when it reaches the node at all.
  const reachedAvoiding = distancesWithout(graph, false, blocked);
  const avoiding = viaUserRoots ? distancesWithout(graph, true, blocked) : reachedAvoiding;
  const through = distancesWithout(graph, viaUserRoots, new Set());
  return reachedAvoiding.map((reached, node) =>
    reached !== -1 ? (avoiding[node] as number) : (through[node] as number),
  );
}

function distancesWithout(graph: HeapSnapshotGraph, viaUserRoots: boolean, blocked: Set<number>): number[] {
  const layout = graphLayout(graph);
  const { nodes, edges, nodeCount } = graph;
  const firstEdge = [0];
  for (let node = 0; node < nodeCount; node++)
    firstEdge.push(
      (firstEdge[node] as number) + (nodes[node * layout.nodeFieldCount + layout.nodeEdgeCount] as number),
    );
  const typeOf = (edge: number) =>
    graph.edgeTypes[edges[edge * layout.edgeFieldCount + layout.edgeType] as number];
  const synthetic = (node: number) =>
    graph.nodeTypes[nodes[node * layout.nodeFieldCount + layout.nodeType] as number] === 'synthetic';
  const distance: number[] = new Array(nodeCount).fill(-1);
  distance[0] = 0;
  const queue = [0];
  for (let head = 0; head < queue.length; head++) {
    const from = queue[head] as number;
    for (let e = firstEdge[from] as number; e < (firstEdge[from + 1] as number); e++) {
      const type = typeOf(e);
      if (type === 'weak' || (type === 'shortcut' && from !== 0)) continue;
      const to = edges[e * layout.edgeFieldCount + layout.edgeToNode] as number;
      if ((from === 0 && viaUserRoots && synthetic(to)) || distance[to] !== -1 || blocked.has(to)) continue;
      distance[to] = (distance[from] as number) + 1;
      queue.push(to);
    }
  }
  return distance;
}
