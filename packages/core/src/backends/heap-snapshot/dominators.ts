/**
 * Dominator trees of heap-snapshot graphs and retained sizes: the bytes that would be freed if a node were
 * gone, which is what "this request left X alive" has to mean (a node's own size says nothing about the 8 MB
 * Buffer it holds).
 *
 * Node `d` dominates node `n` when every path of strong references from the root (node 0) to `n` passes
 * through `d`; `d`'s retained size is the sum of the self sizes of the nodes it dominates, itself included.
 * Strong references are all edges but two kinds, as in DevTools and memlab:
 *
 *  - `weak` edges, which keep nothing alive;
 *  - `shortcut` edges except from the root. Elsewhere V8 emits them as duplicates of an internal reference (a
 *    bound function's `bound_this`, …); from the root they mark the user's global object, the one entry point
 *    DevTools and memlab treat as a root of its own.
 *
 * The tree is built over a part of the graph only, below a virtual root whose successors the caller names:
 * the diff (heap-diff.ts) needs it for what new objects retain, a small part of the heap, and a tree of the
 * whole graph is this with node 0 as the one successor. The algorithm is Lengauer-Tarjan's semidominators
 * (with path compression) followed by the "semi-NCA" pass of Georgiadis' SNCA to turn them into immediate
 * dominators: near-linear, against the iteration to a fixed point of Cooper-Harvey-Kennedy that DevTools and
 * memlab use, which revisits the graph many times on big heaps. Everything runs over typed arrays sized by
 * the part, iteratively (a heap graph can be a million nodes deep: a long linked list), and in DFS preorder
 * numbers, which also give the order the retained sizes are summed in.
 */
import { type GraphLayout, graphLayout, type HeapSnapshotGraph } from './graph.js';

/**
 * Where each node's edges start, counted in edges (not array slots): node `i`'s edges are the numbers
 * `starts[i] <= e < starts[i + 1]`, at `graph.edges[e * edgeFieldCount]`. The graph stores only edge counts.
 */
export function edgeStarts(graph: HeapSnapshotGraph, layout: GraphLayout = graphLayout(graph)): Uint32Array {
  const { nodes, nodeCount } = graph;
  const starts = new Uint32Array(nodeCount + 1);
  let edge = 0;
  for (let node = 0, at = layout.nodeEdgeCount; node < nodeCount; node++, at += layout.nodeFieldCount) {
    starts[node] = edge;
    edge += nodes[at] as number;
  }
  starts[nodeCount] = edge;
  if (edge !== graph.edgeCount)
    throw new Error(`heap snapshot: edge counts add up to ${edge}, not ${graph.edgeCount}`);
  return starts;
}

/**
 * The edge type codes the strong-edge rule (see the module comment) compares against: an edge of type `t`
 * from node `from` is strong when `t !== weak && (t !== shortcut || from === 0)`. -1 for a type not in the
 * snapshot.
 */
export function nonRetainingEdgeTypes(graph: HeapSnapshotGraph): { weak: number; shortcut: number } {
  return { weak: graph.edgeTypes.indexOf('weak'), shortcut: graph.edgeTypes.indexOf('shortcut') };
}

/** A node the tree may take in (see {@link buildDominatorTree}); any other value of its state keeps it out. */
export const OPEN = 1;
/** A node in the tree, once {@link buildDominatorTree} has numbered it. */
export const IN_TREE = 2;

/**
 * A dominator tree below a virtual root. Its nodes are numbered 1..`reachable` in a depth-first preorder from
 * the virtual root, which is 1: a node's dominators all come before it, so iterating numbers downwards visits
 * every subtree before its root. Index 0 of the per-number arrays is unused.
 */
export interface DominatorTree {
  /** How many nodes the tree has, the virtual root included. */
  readonly reachable: number;
  /** Preorder number → node ordinal (meaningless for the virtual root, 1). */
  readonly ordinalAt: Uint32Array;
  /** Preorder number → the preorder number of its immediate dominator (0 for the virtual root). */
  readonly idom: Uint32Array;
  /**
   * Preorder number → retained size in bytes (a float: native backing stores can exceed 4 GB in total). The
   * virtual root has no size of its own.
   */
  readonly retainedSize: Float64Array;
  /**
   * The tree laid out in its own preorder, for "is a dominated by b" questions over many nodes at once: number
   * `w` sits at `position[w]` (0..reachable - 1) and the `size[w] - 1` nodes it dominates at the positions
   * right after it, so b dominates a exactly when `position[b] <= position[a] < position[b] + size[b]`.
   */
  readonly position: Uint32Array;
  /** Preorder number → how many nodes it dominates, itself included. */
  readonly size: Uint32Array;
}

/**
 * Computes the dominator tree of the nodes whose `state` is {@link OPEN} and that strong edges from `entries`
 * (node ordinals, without repeats, all open) reach through open nodes, below a virtual root whose successors
 * are `entries`; the states of its nodes become {@link IN_TREE}. It is the graph's own dominator tree for that
 * part when every strong path from the root to an open node enters it through an entry and the nodes outside
 * it that such a path leaves last can be reached from the root without passing through any open node: node 0
 * as the one entry with every node open is the tree of the whole graph, under its root.
 *
 * `numberOf` (nodeCount entries) is scratch: afterwards it maps the tree's node ordinals to their preorder
 * numbers, and holds whatever it held elsewhere. `capacity` bounds the number of nodes taken in (the open
 * nodes are enough). It takes 7 four-byte words per node of the tree and one per strong edge between them.
 */
export function buildDominatorTree(
  graph: HeapSnapshotGraph,
  layout: GraphLayout,
  starts: Uint32Array,
  entries: Uint32Array,
  state: Uint8Array,
  capacity: number,
  numberOf: Uint32Array,
): DominatorTree {
  const count = capacity + 1;
  // Scratch: `label` and `ancestor` are the DFS stack, then LT's link-eval forest; they share one buffer, which
  // then holds the retained sizes.
  const shared = new ArrayBuffer(8 * (count + 1));
  const label = new Uint32Array(shared, 0, count + 1);
  const ancestor = new Uint32Array(shared, 4 * (count + 1), count + 1);
  // Strong in-degrees by preorder number (at number + 1), counted by the DFS, then the retainer lists' bounds.
  const retainerStart = new Uint32Array(count + 2);
  const { ordinalAt, parent, reachable } = depthFirst(
    graph,
    layout,
    starts,
    entries,
    state,
    numberOf,
    count,
    label,
    ancestor,
    retainerStart,
  );
  const retainers = strongRetainers(
    graph,
    layout,
    starts,
    entries,
    state,
    numberOf,
    ordinalAt,
    reachable,
    retainerStart,
  );

  // Semidominators, in reverse preorder: `semi[w]` ends as the smallest number from which a path reaches w
  // through nodes numbered above w. `ancestor` is the LT link-eval forest (0 = not linked yet) and `label[x]`
  // the least semidominator on x's forest path (a value, not a vertex: it is all the semi-NCA pass needs).
  const semi = new Uint32Array(reachable + 1);
  for (let w = 1; w <= reachable; w++) label[w] = w;
  ancestor.fill(0, 0, reachable + 1);
  for (let w = reachable; w >= 2; w--) {
    let best = w;
    const end = retainerStart[w + 1] as number;
    for (let r = retainerStart[w] as number; r < end; r++) {
      const v = retainers[r] as number;
      if (ancestor[v] !== 0) {
        // eval(v): compress v's forest path, making label[v] cover all of it and every node on it point to the
        // forest's root. Without a stack: the walk up reverses the links, the walk back down follows them.
        let below = 0;
        let x = v;
        while (ancestor[ancestor[x] as number] !== 0) {
          const up = ancestor[x] as number;
          ancestor[x] = below;
          below = x;
          x = up;
        }
        const top = ancestor[x] as number;
        for (let above = x; below !== 0; ) {
          const next = ancestor[below] as number;
          if ((label[above] as number) < (label[below] as number)) label[below] = label[above] as number;
          ancestor[below] = top;
          above = below;
          below = next;
        }
      }
      const candidate = label[v] as number;
      if (candidate < best) best = candidate;
    }
    semi[w] = best;
    label[w] = best;
    ancestor[w] = parent[w] as number;
  }

  // Immediate dominators (semi-NCA): the idom of w is the nearest common ancestor, in the dominator tree
  // built so far, of its DFS parent and its semidominator: walk up from the parent to semi[w] or above.
  const idom = parent;
  for (let w = 2; w <= reachable; w++) {
    const s = semi[w] as number;
    let d = idom[w] as number;
    while (d > s) d = idom[d] as number;
    idom[w] = d;
  }

  const retainedSize = new Float64Array(shared, 0, reachable + 1);
  const { nodes } = graph;
  const { nodeFieldCount, nodeSelfSize } = layout;
  retainedSize[1] = 0;
  for (let w = 2; w <= reachable; w++)
    retainedSize[w] = nodes[(ordinalAt[w] as number) * nodeFieldCount + nodeSelfSize] as number;
  for (let w = reachable; w >= 2; w--) {
    const d = idom[w] as number;
    retainedSize[d] = (retainedSize[d] as number) + (retainedSize[w] as number);
  }

  // `semi` is free again: it takes the subtree sizes.
  const position = layOut(idom, reachable, semi);
  return { reachable, ordinalAt, idom, retainedSize, position, size: semi };
}

/**
 * Fills `size` and returns `position` (see {@link DominatorTree.position}), in linear time without child
 * lists: sizes bottom-up, then each node is placed at its immediate dominator's next free position
 * (dominators come first in the DFS numbering).
 */
function layOut(idom: Uint32Array, reachable: number, size: Uint32Array): Uint32Array {
  size.fill(1);
  for (let w = reachable; w >= 2; w--) {
    const d = idom[w] as number;
    size[d] = (size[d] as number) + (size[w] as number);
  }
  // While placing, position[d] holds the next free position in d's subtree; once all of it is placed, that is
  // the subtree's end, so its start is the end minus its size.
  const position = new Uint32Array(reachable + 1);
  position[1] = 1;
  for (let w = 2; w <= reachable; w++) {
    const d = idom[w] as number;
    const at = position[d] as number;
    position[d] = at + (size[w] as number);
    position[w] = at + 1;
  }
  for (let w = 1; w <= reachable; w++) position[w] = (position[w] as number) - (size[w] as number);
  return position;
}

/**
 * Iterative depth-first search from the virtual root (number 1, whose edges are `entries`) over strong edges
 * to open nodes, numbering them in preorder and marking them in the tree. `nodeStack` and `edgeStack` are
 * scratch arrays of `count` + 1 entries (the path from the virtual root and each node's next edge; the
 * virtual root's is its next entry). It sees every strong edge between the tree's nodes once, so it also
 * counts in-degrees, into `inDegree[number + 1]`.
 */
function depthFirst(
  graph: HeapSnapshotGraph,
  layout: GraphLayout,
  starts: Uint32Array,
  entries: Uint32Array,
  state: Uint8Array,
  numberOf: Uint32Array,
  count: number,
  nodeStack: Uint32Array,
  edgeStack: Uint32Array,
  inDegree: Uint32Array,
): { ordinalAt: Uint32Array; parent: Uint32Array; reachable: number } {
  const { edges } = graph;
  const { edgeFieldCount, edgeType, edgeToNode } = layout;
  const { weak, shortcut } = nonRetainingEdgeTypes(graph);
  const ordinalAt = new Uint32Array(count + 1);
  const parent = new Uint32Array(count + 1);
  let reachable = 1;
  let top = 0;
  edgeStack[0] = 0;
  while (top >= 0) {
    let child = -1;
    let from = 1;
    if (top === 0) {
      // The virtual root: its edges are the entries.
      let next = edgeStack[0] as number;
      for (; next < entries.length; next++) {
        const to = entries[next] as number;
        if (state[to] === OPEN) {
          child = to;
          break;
        }
        if (state[to] !== IN_TREE) throw new Error('dominator tree: an entry is not open');
        inDegree[(numberOf[to] as number) + 1] = (inDegree[(numberOf[to] as number) + 1] as number) + 1;
      }
      edgeStack[0] = next + 1;
    } else {
      const node = nodeStack[top] as number;
      from = numberOf[node] as number;
      const end = starts[node + 1] as number;
      let e = edgeStack[top] as number;
      for (; e < end; e++) {
        const at = e * edgeFieldCount;
        const type = edges[at + edgeType] as number;
        if (type === weak || (type === shortcut && node !== 0)) continue;
        const to = edges[at + edgeToNode] as number;
        const toState = state[to];
        if (toState === OPEN) {
          child = to;
          break;
        }
        if (toState === IN_TREE)
          inDegree[(numberOf[to] as number) + 1] = (inDegree[(numberOf[to] as number) + 1] as number) + 1;
      }
      edgeStack[top] = e + 1;
    }
    if (child < 0) {
      top--;
      continue;
    }
    reachable++;
    if (reachable > count) throw new Error('dominator tree: more nodes than its capacity');
    state[child] = IN_TREE;
    numberOf[child] = reachable;
    ordinalAt[reachable] = child;
    parent[reachable] = from;
    inDegree[reachable + 1] = (inDegree[reachable + 1] as number) + 1;
    top++;
    nodeStack[top] = child;
    edgeStack[top] = starts[child] as number;
  }
  return { ordinalAt, parent, reachable };
}

/**
 * Each tree node's strong retainers in the tree (the virtual root for the entries), as preorder numbers in one
 * flat array ordered by number: number `w`'s are `retainers[bounds[w]] … retainers[bounds[w + 1] - 1]`.
 * `bounds` comes in holding the in-degrees at number + 1; their prefix sums are each node's first slot,
 * advanced while filling and shifted back afterwards.
 */
function strongRetainers(
  graph: HeapSnapshotGraph,
  layout: GraphLayout,
  starts: Uint32Array,
  entries: Uint32Array,
  state: Uint8Array,
  numberOf: Uint32Array,
  ordinalAt: Uint32Array,
  reachable: number,
  bounds: Uint32Array,
): Uint32Array {
  const { edges } = graph;
  const { edgeFieldCount, edgeType, edgeToNode } = layout;
  const { weak, shortcut } = nonRetainingEdgeTypes(graph);
  for (let w = 1; w <= reachable + 1; w++) bounds[w] = (bounds[w] as number) + (bounds[w - 1] as number);
  const retainers = new Uint32Array(bounds[reachable + 1] as number);
  for (const to of entries) {
    const slot = bounds[numberOf[to] as number] as number;
    retainers[slot] = 1;
    bounds[numberOf[to] as number] = slot + 1;
  }
  for (let from = 2; from <= reachable; from++) {
    const node = ordinalAt[from] as number;
    const end = starts[node + 1] as number;
    for (let e = starts[node] as number; e < end; e++) {
      const at = e * edgeFieldCount;
      const type = edges[at + edgeType] as number;
      if (type === weak || (type === shortcut && node !== 0)) continue;
      const to = edges[at + edgeToNode] as number;
      if (state[to] !== IN_TREE) continue;
      const w = numberOf[to] as number;
      const slot = bounds[w] as number;
      retainers[slot] = from;
      bounds[w] = slot + 1;
    }
  }
  bounds.copyWithin(1, 0, reachable + 1);
  bounds[0] = 0;
  return retainers;
}
