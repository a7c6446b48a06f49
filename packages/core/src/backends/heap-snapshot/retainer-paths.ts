/**
 * Why is this object still alive: the shortest chain of strong references from the root to it, as DevTools'
 * Retainers panel and memlab's leak traces show it (`global.keep → Array [12] → LeakyWidget`).
 *
 * Strong references are the dominator tree's (no `weak` edges; `shortcut` edges only from the root: elsewhere
 * V8 emits them as duplicates of an internal reference). One breadth-first search from the root reaches all
 * the targets and stops once it has. Among equally short paths, one through a user root (a non-synthetic node
 * the root references: the global object) wins over one through V8's internal roots (handle scopes, the stack,
 * …), the preference DevTools' distances express: the search queues the user roots first, so at every depth
 * the nodes a user root leads to come first in the queue and are the ones that reach the next depth's first.
 *
 * Paths avoid the roots that hold what the engine was doing at the instant of the snapshot, when there is another
 * way: `(Stack roots)` (the frames of whatever JavaScript ran when the snapshot interrupted it), `(Handle scope)`
 * (C++ handles: the interrupted runtime call's, and the persistent handles of compile jobs in flight, which hold
 * the constants they embed), `(Strong roots)` (the roots table, and the lists work in flight registers, such as a
 * compile job's `IdentityMapBase`) and `(Relocatable)`. Seen on a loaded machine, for 5,000 objects a route had
 * pushed into a module-level array: `(GC roots) → (Handle scope) → Array`, `(GC roots) → (Strong roots)
 * [2 / IdentityMapBase] → Array` (a TurboFan job still compiling the route's loop) and `(GC roots) → (Stack roots)
 * → Array` (code that had just read the array), each four steps and naming nothing the app holds, instead of the
 * path through the module's `probes` variable. Which one a snapshot shows depended on timing; the durable paths do
 * not. A second search, through every root, finds paths for the targets only those roots reach.
 *
 * The search keeps no parent per node: its queue lists the nodes depth after depth, so a node's parent (the
 * node that reached it) is the first node of the depth above, in queue order, that holds it. The paths are
 * read back that way, one depth at a time from the deepest target up, scanning only the depths they cross.
 */
import type { RetainerPath, RetainerStep } from '../../types.js';
import { className } from './class-name.js';
import { edgeStarts, nonRetainingEdgeTypes } from './dominators.js';
import { type GraphLayout, graphLayout, type HeapSnapshotGraph } from './graph.js';

/**
 * Marks of the search, one byte per node: 0, not reached yet; reached; a target not reached yet; a node whose
 * parent {@link findParents} is looking for.
 */
const REACHED = 1;
const TARGET = 2;
const WANTED = 3;
const GC_ROOTS: ReadonlySet<string> = new Set(['(GC roots)']);

/**
 * The shortest strong path from the root to each node of `targets` (node ordinals), in the same order;
 * `undefined` for a node no strong path reaches (and for the root itself). A path longer than `maxSteps`
 * keeps its last `maxSteps` steps (the object's end) and is marked `truncated`. `queue` and `marks`
 * (nodeCount entries each) are scratch.
 */
export function shortestRetainerPaths(
  graph: HeapSnapshotGraph,
  targets: readonly number[],
  maxSteps: number,
  layout: GraphLayout = graphLayout(graph),
  starts: Uint32Array = edgeStarts(graph, layout),
  queue: Uint32Array = new Uint32Array(graph.nodeCount),
  marks: Uint8Array = new Uint8Array(graph.nodeCount),
  walls?: Uint8Array,
): (RetainerPath | undefined)[] {
  if (targets.length === 0) return [];
  const instant = instantRoots(graph, layout, starts);
  const paths = searchPaths(graph, targets, maxSteps, layout, starts, queue, marks, instant, walls);
  if (instant.length === 0) return paths;
  const missing = targets.filter((_, i) => paths[i] === undefined);
  if (missing.length === 0) return paths;
  const fallback = searchPaths(graph, missing, maxSteps, layout, starts, queue, marks, [], walls);
  let next = 0;
  return paths.map((path) => path ?? fallback[next++]);
}

/** V8's root categories (children of `(GC roots)`) that hold what the engine was doing at the snapshot's instant. */
export const INSTANT_ROOTS: ReadonlySet<string> = new Set([
  '(Stack roots)',
  '(Handle scope)',
  '(Strong roots)',
  '(Relocatable)',
]);

/** The {@link INSTANT_ROOTS} nodes among the `(GC roots)` categories. */
export function instantRoots(graph: HeapSnapshotGraph, layout: GraphLayout, starts: Uint32Array): number[] {
  const { nodes, edges, strings } = graph;
  const { nodeFieldCount, nodeType, nodeName, edgeFieldCount, edgeToNode } = layout;
  const synthetic = graph.nodeTypes.indexOf('synthetic');
  const named = (node: number, names: ReadonlySet<string>) =>
    nodes[node * nodeFieldCount + nodeType] === synthetic &&
    names.has(strings[nodes[node * nodeFieldCount + nodeName] as number] as string);
  const children = (node: number) => {
    const out: number[] = [];
    for (let e = starts[node] as number; e < (starts[node + 1] as number); e++)
      out.push(edges[e * edgeFieldCount + edgeToNode] as number);
    return out;
  };
  if (graph.nodeCount === 0) return [];
  return children(0)
    .filter((node) => named(node, GC_ROOTS))
    .flatMap((gcRoots) => children(gcRoots).filter((node) => named(node, INSTANT_ROOTS)));
}

/**
 * The search and the paths read back from it, with the `blocked` nodes and the `walls` (nodes flagged non-zero:
 * ramflow's own objects) left out of it.
 */
function searchPaths(
  graph: HeapSnapshotGraph,
  targets: readonly number[],
  maxSteps: number,
  layout: GraphLayout,
  starts: Uint32Array,
  queue: Uint32Array,
  marks: Uint8Array,
  blocked: readonly number[],
  walls: Uint8Array | undefined,
): (RetainerPath | undefined)[] {
  const { nodes, edges, nodeCount } = graph;
  const { nodeFieldCount, nodeType, edgeFieldCount, edgeType, edgeToNode } = layout;
  const { weak, shortcut } = nonRetainingEdgeTypes(graph);
  marks.fill(0);
  let remaining = 0;
  for (const target of targets) {
    if (target > 0 && target < nodeCount && marks[target] === 0) {
      marks[target] = TARGET;
      remaining++;
    }
  }
  marks[0] = REACHED;
  // Marked as reached, a blocked node is never queued: nothing is found through it.
  for (const node of blocked) if (marks[node] === 0) marks[node] = REACHED;
  if (walls !== undefined)
    for (let node = 1; node < nodeCount; node++)
      if (walls[node] !== 0 && marks[node] === 0) marks[node] = REACHED;
  /** Target → its depth (the length of its paths). */
  const depthOf = new Map<number, number>();
  /** Node → its parent, for the targets (reached at depth 2 or more) and then the nodes on their paths. */
  const parentOf = new Map<number, number>();
  // Depth d >= 1 is queue[ends[d - 1]] … queue[ends[d] - 1].
  const ends = [0];
  let tail = 0;

  // Depth 1: the root's strong children, the user roots (non-synthetic) first.
  const synthetic = graph.nodeTypes.indexOf('synthetic');
  for (const user of [true, false]) {
    for (let e = starts[0] as number; e < (starts[1] as number); e++) {
      const at = e * edgeFieldCount;
      const to = edges[at + edgeToNode] as number;
      const mark = marks[to];
      if (mark === REACHED || edges[at + edgeType] === weak) continue;
      if ((nodes[to * nodeFieldCount + nodeType] !== synthetic) !== user) continue;
      if (mark === TARGET) {
        depthOf.set(to, 1);
        remaining--;
      }
      marks[to] = REACHED;
      queue[tail++] = to;
    }
  }
  ends.push(tail);
  for (let depth = 1; remaining > 0 && tail > (ends[depth - 1] as number); depth++) {
    search: for (let head = ends[depth - 1] as number; head < (ends[depth] as number); head++) {
      const node = queue[head] as number;
      const end = starts[node + 1] as number;
      for (let e = starts[node] as number; e < end; e++) {
        const at = e * edgeFieldCount;
        const type = edges[at + edgeType] as number;
        if (type === weak || type === shortcut) continue; // node is not the root
        const to = edges[at + edgeToNode] as number;
        const mark = marks[to];
        if (mark === REACHED) continue;
        marks[to] = REACHED;
        queue[tail++] = to;
        if (mark === TARGET) {
          depthOf.set(to, depth + 1);
          parentOf.set(to, node);
          if (--remaining === 0) break search;
        }
      }
    }
    ends.push(tail);
  }

  findParents(graph, layout, starts, queue, ends, marks, depthOf, parentOf, maxSteps);
  return targets.map((target) => {
    const depth = depthOf.get(target);
    if (depth === undefined) return undefined;
    const kept = Math.min(depth, maxSteps);
    // The kept part of the path, backwards: the target, its parent, … (the root above depth 1).
    const chain = [target];
    for (let d = depth; d > depth - kept; d--)
      chain.push(d === 1 ? 0 : (parentOf.get(chain.at(-1) as number) as number));
    const steps: RetainerStep[] = [];
    for (let i = kept; i >= 1; i--)
      steps.push(step(graph, layout, starts, chain[i] as number, chain[i - 1] as number));
    const path: RetainerPath = { steps, target: describe(graph, layout, target) };
    if (depth > maxSteps) path.truncated = true;
    return path;
  });
}

/**
 * Adds to `parentOf` (which has the targets') the parents the kept steps of the paths to the reached targets
 * (`depthOf`) need, read back from the search's queue and depth bounds (`ends`), from the deepest depth up. The
 * nodes of depth d whose parent is wanted are marked in `marks` and the nodes of depth d - 1 scanned in queue
 * order: the first holder found of each marked node is its parent, wanted in turn (marked once the scan is
 * over) if the path needs its parent too; a path of `maxSteps` steps or fewer goes up to depth 1, whose parent
 * is the root.
 */
function findParents(
  graph: HeapSnapshotGraph,
  layout: GraphLayout,
  starts: Uint32Array,
  queue: Uint32Array,
  ends: readonly number[],
  marks: Uint8Array,
  depthOf: ReadonlyMap<number, number>,
  parentOf: Map<number, number>,
  maxSteps: number,
): void {
  const { edges } = graph;
  const { edgeFieldCount, edgeType, edgeToNode } = layout;
  const { weak, shortcut } = nonRetainingEdgeTypes(graph);
  // Per depth, the nodes whose parent is wanted and the least depth their paths need a parent at.
  const wanted = new Map<number, Map<number, number>>();
  const want = (node: number, depth: number, floor: number): void => {
    if (depth < Math.max(2, floor)) return;
    let atDepth = wanted.get(depth);
    if (atDepth === undefined) {
      atDepth = new Map();
      wanted.set(depth, atDepth);
    }
    atDepth.set(node, Math.min(floor, atDepth.get(node) ?? floor));
  };
  let deepest = 0;
  for (const [target, depth] of depthOf) {
    // The search met the targets' parents: their parents are wanted, if the path goes up that far.
    const floor = depth - Math.min(depth, maxSteps) + 1;
    const parent = parentOf.get(target);
    if (parent !== undefined) want(parent, depth - 1, floor);
    deepest = Math.max(deepest, depth - 1);
  }
  for (let depth = deepest; depth >= 2; depth--) {
    const atDepth = wanted.get(depth);
    if (atDepth === undefined) continue;
    let left = 0;
    for (const node of atDepth.keys()) {
      if (parentOf.has(node)) continue; // a target: its parent is known
      marks[node] = WANTED;
      left++;
    }
    scan: for (let head = ends[depth - 2] as number; left > 0 && head < (ends[depth - 1] as number); head++) {
      const node = queue[head] as number;
      const end = starts[node + 1] as number;
      for (let e = starts[node] as number; e < end; e++) {
        const at = e * edgeFieldCount;
        const type = edges[at + edgeType] as number;
        if (type === weak || type === shortcut) continue; // node is not the root
        const to = edges[at + edgeToNode] as number;
        if (marks[to] !== WANTED) continue;
        marks[to] = REACHED;
        parentOf.set(to, node);
        if (--left === 0) break scan;
      }
    }
    for (const [node, floor] of atDepth) want(parentOf.get(node) as number, depth - 1, floor);
  }
}

function describe(graph: HeapSnapshotGraph, layout: GraphLayout, node: number): RetainerPath['target'] {
  const at = node * layout.nodeFieldCount;
  const type = graph.nodeTypes[graph.nodes[at + layout.nodeType] as number] ?? 'unknown';
  const name = graph.strings[graph.nodes[at + layout.nodeName] as number] ?? '';
  return { name: className(type, name), type, id: graph.nodes[at + layout.nodeId] as number };
}

/**
 * The step from `holder` to `held`: the holder's strong edge to it, a named one (property, element, context
 * variable) rather than an engine-internal one when it has both.
 */
function step(
  graph: HeapSnapshotGraph,
  layout: GraphLayout,
  starts: Uint32Array,
  holder: number,
  held: number,
): RetainerStep {
  const { weak, shortcut } = nonRetainingEdgeTypes(graph);
  const { edges, edgeTypes, strings } = graph;
  let chosen = '';
  let label = '';
  for (let e = starts[holder] as number; e < (starts[holder + 1] as number); e++) {
    const at = e * layout.edgeFieldCount;
    const code = edges[at + layout.edgeType] as number;
    if (edges[at + layout.edgeToNode] !== held || code === weak || (code === shortcut && holder !== 0))
      continue;
    const type = edgeTypes[code] ?? 'unknown';
    if (chosen !== '' && (type === 'internal' || type === 'hidden')) continue;
    const nameOrIndex = edges[at + layout.edgeNameOrIndex] as number;
    // Element and hidden edges carry an index; every other type a string (a property or variable name).
    label = type === 'element' || type === 'hidden' ? `[${nameOrIndex}]` : (strings[nameOrIndex] ?? '');
    chosen = type;
    if (type !== 'internal' && type !== 'hidden') break;
  }
  const { name, type } = describe(graph, layout, holder);
  return { name, type, edge: label, edgeType: chosen };
}
