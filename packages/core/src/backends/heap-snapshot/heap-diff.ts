// This file is long because the diff's passes (new objects, own-object walls, grouping, retainer paths) run over one
// graph and share its indexes; each pass is its own function.
/**
 * What did this request leave alive: the objects of the after-request heap snapshot that did not exist at the
 * before-request one, grouped by class with their retained sizes and retainer paths, as Chrome DevTools'
 * Comparison view (plus its Retainers panel) would show them, computed from the after-snapshot alone.
 *
 * "New" uses V8's object ids: heap objects get odd ids, assigned in increasing order and kept across
 * snapshots (ArrayBuffer backing stores too), so a new object is one with an odd id above the
 * before-snapshot's highest. Even ids go to the embedder's (Node's) native nodes, numbered afresh at each
 * snapshot: never new by themselves, nor are synthetic nodes (the root, the GC root categories); native
 * memory an object holds still counts through it, in `nativeBytes`. New objects no strong path from the root
 * reaches are garbage the snapshot happened to include (V8 collects before it writes one, but not what only
 * weak references hold), left out.
 *
 * Retained sizes need the dominator tree only where new objects are. The nodes a strong path from the root
 * reaches without passing through a new object (set M) are dominated by no new object, so what a new object
 * retains lies in the rest of what strong paths reach (set U: the new objects, and what only paths through
 * them reach). U gets a dominator tree of its own, below a virtual root whose successors are the entries: the
 * new objects that M nodes (the root among them) hold. Between nodes of U, dominance is the whole graph's:
 * every strong path from the root to a U node leaves M for the last time to an entry and stays in U after
 * that, and every path from an entry through U extends backwards to the root through M alone; so a U node lies
 * on every path from the root to another U node exactly when it lies on every path from the virtual root. The
 * retained sizes of new objects, which members of a group dominate which and the native bytes below them are
 * therefore those of the whole graph's tree (only a U node whose immediate dominator is in M hangs from the
 * virtual root instead).
 *
 * ramflow's own objects (own-objects.ts: its closures, its classes' instances, its suspended async functions) are
 * walls when `ownCode` names its files: the searches do not pass through them, so neither they nor what only they
 * hold (its records, windows, waiters) are listed as the request's, retained sizes are the app's own graph's, and
 * retainer paths go around them. What only they hold is counted apart (`ownObjects`), and so is what only the
 * request's own req/res hold (see own-objects.ts). With `appView`, so are the new objects only the roots of the
 * snapshot's instant hold (`(Stack roots)`, `(Handle scope)`, …: the locals of the code that was running when it was
 * taken, see retainer-paths.ts), and V8's own new structures (compiled code, feedback vectors, hidden classes: what
 * code running for the first time or being optimized makes, not data the app keeps; memlab leaves them out of its
 * leak candidates too) are counted in `engineObjects`, not listed. They still count in the retained sizes of the
 * app's objects that hold them.
 *
 * Cost: a pass over the nodes and a breadth-first search over what the root reaches, with a byte per node
 * and a queue of node ordinals; the dominator tree of U, sized by U (about 36 bytes per node and 4 per edge of
 * U); and a second breadth-first search from the root for the retainer paths, reusing both, stopped when it
 * has reached all their targets. With the edge starts and the walls, 10 bytes per node of the snapshot: 28 MB
 * for 2.8 M nodes.
 */
import type { HeapObjectGroup, HeapObjectsDiff, RetainerPath } from '../../types.js';
import { className, classType, typeClassName } from './class-name.js';
import {
  buildDominatorTree,
  type DominatorTree,
  edgeStarts,
  nonRetainingEdgeTypes,
  OPEN,
} from './dominators.js';
import { type GraphLayout, graphLayout, type HeapSnapshotGraph } from './graph.js';
import { IN_FLIGHT, markOwnObjects, OWN, ownScriptMatcher } from './own-objects.js';
import { instantRoots, shortestRetainerPaths } from './retainer-paths.js';

/** The highest odd node id of a snapshot: the newest JS heap object it holds (see the module comment). */
export function maxJsObjectId(graph: HeapSnapshotGraph): number {
  const { nodes } = graph;
  const { nodeFieldCount, nodeId } = graphLayout(graph);
  let max = 0;
  for (let at = nodeId; at < nodes.length; at += nodeFieldCount) {
    const id = nodes[at] as number;
    if (id % 2 === 1 && id > max) max = id;
  }
  return max;
}

/** Limits on what a diff reports. Defaults keep a record to a few tens of KB. */
export interface HeapDiffOptions {
  /** Groups reported one by one; the rest are merged into `omitted`. Default 100. */
  groupLimit?: number;
  /** How many of the largest groups (by retained size) get retainer paths. Default 5. */
  pathGroups?: number;
  /**
   * How many of the largest constructor-named object groups (the app's classes, `Array`, `Map`, …) get retainer
   * paths too: engine-internal groups such as `(compiled code)` and the framework's or ramflow's own first-use
   * objects would otherwise crowd them out. Default 10.
   */
  namedPathGroups?: number;
  /** Retainer paths per such group, to its largest (by retained size) objects. Default 3. */
  pathsPerGroup?: number;
  /** Steps kept of a longer path (its object end). Default 24. */
  maxPathSteps?: number;
  /**
   * Directories (paths or `file:` URLs) of ramflow's own code: objects it owns, and new objects only they hold,
   * are left out and counted in `ownObjects` (see the module comment). Default: none.
   */
  ownCode?: readonly string[];
  /**
   * Leave out what the app does not keep: new objects only the roots of the snapshot's instant hold, and V8's own
   * structures (compiled code, feedback, hidden classes: `code`, `hidden` and `object shape` nodes), counted in
   * `engineObjects` instead (see the module comment). Default false: every new object is listed, as in DevTools.
   */
  appView?: boolean;
}

/** Node types of V8's own structures: compiled code and feedback, `(system)` internals, hidden classes. */
const ENGINE_TYPES: ReadonlySet<string> = new Set(['code', 'hidden', 'object shape']);

/** Objects grouped under their constructor's name, not an engine-internal category or `system / …` holder. */
function isNamedObjectGroup(group: GroupTally): boolean {
  return group.type === 'object' && !group.name.startsWith('system /');
}

/** A group being summed; `best` holds its top members' preorder numbers, largest retained first. */
interface GroupTally {
  name: string;
  type: string;
  count: number;
  selfBytes: number;
  retainedBytes: number;
  nativeBytes: number;
  best: number[];
}

/** The new objects found in the after-snapshot, see {@link findNewObjects}. */
interface NewObjects {
  groups: GroupTally[];
  /** How many new objects the tree holds. */
  count: number;
  /** Preorder number → 1 + group of a new object, 0 for other nodes. */
  groupOf: Uint32Array;
  /** Dominator-tree position → preorder number of the new object or native node there, 0 for other nodes. */
  marked: Uint32Array;
}

/**
 * The objects of `after` newer than `beforeMaxJsObjectId` (the before-snapshot's {@link maxJsObjectId}) and
 * reachable from the root, grouped by DevTools class, largest retained size first. A group's retained size
 * counts a member that another member of the same group dominates once (a linked list's nodes are not summed
 * once per level); retained sizes of different groups overlap (a `Buffer`'s bytes are also its owner's).
 */
export function diffNewObjects(
  after: HeapSnapshotGraph,
  beforeMaxJsObjectId: number,
  options: HeapDiffOptions = {},
): Pick<HeapObjectsDiff, 'newObjects' | 'totals' | 'omitted' | 'notes' | 'ownObjects' | 'engineObjects'> {
  const groupLimit = options.groupLimit ?? 100;
  const pathGroups = options.pathGroups ?? 5;
  const namedPathGroups = options.namedPathGroups ?? 10;
  const pathsPerGroup = options.pathsPerGroup ?? 3;
  const maxPathSteps = options.maxPathSteps ?? 24;

  const layout = graphLayout(after);
  const starts = edgeStarts(after, layout);
  // One array of nodeCount ordinals and one of nodeCount bytes, reused throughout: the first is the first
  // pass's queue, the dominator tree's map from ordinals to its numbers, the path search's queue; the second
  // holds the nodes' states (see splitAtNewObjects), then the path search's marks.
  const scratch = new Uint32Array(after.nodeCount);
  const state = new Uint8Array(after.nodeCount);
  const walls =
    options.ownCode && options.ownCode.length > 0
      ? markOwnObjects(after, starts, ownScriptMatcher(options.ownCode), layout)
      : undefined;
  const walled = walls !== undefined && walls.count + walls.inFlight > 0;
  if (walls !== undefined && walled) {
    for (let node = 0; node < after.nodeCount; node++) {
      const flag = walls.own[node];
      if (flag === OWN) state[node] = RAMFLOW;
      else if (flag === IN_FLIGHT) state[node] = REQUEST;
    }
  }
  if (options.appView) for (const node of instantRoots(after, layout, starts)) state[node] = INSTANT;
  const newCount = markNewObjects(after, layout, beforeMaxJsObjectId, state);
  const { entries, open } = splitAtNewObjects(after, layout, starts, state, scratch);
  const ownObjects = heldOnlyBy(RAMFLOW_REACHED, after, layout, starts, state, scratch, beforeMaxJsObjectId);
  const request = heldOnlyBy(REQUEST_REACHED, after, layout, starts, state, scratch, beforeMaxJsObjectId);
  const instant = heldOnlyBy(INSTANT_REACHED, after, layout, starts, state, scratch, beforeMaxJsObjectId);
  const tree = buildDominatorTree(after, layout, starts, entries, state, open, scratch);
  const found = findNewObjects(after, layout, tree, beforeMaxJsObjectId);
  const engineObjects = { count: 0, selfBytes: 0 };
  const groups = found.groups.filter((group) => {
    if (!options.appView || !ENGINE_TYPES.has(group.type)) return true;
    engineObjects.count += group.count;
    engineObjects.selfBytes += group.selfBytes;
    return false;
  });
  const unreachable = newCount - found.count - ownObjects.count - request.count - instant.count;
  const nativeBytes = sumRetained(after, layout, tree, found, pathsPerGroup);

  groups.sort(
    (a, b) => b.retainedBytes - a.retainedBytes || b.selfBytes - a.selfBytes || (a.name < b.name ? -1 : 1),
  );
  // Retainer paths for the largest groups' largest members, found together.
  const withPaths = [
    ...new Set([
      ...groups.slice(0, pathGroups),
      ...groups.filter(isNamedObjectGroup).slice(0, namedPathGroups),
    ]),
  ];
  const targets = withPaths.flatMap((group) => group.best.map((w) => tree.ordinalAt[w] as number));
  const paths = shortestRetainerPaths(
    after,
    targets,
    maxPathSteps,
    layout,
    starts,
    scratch,
    state,
    walled ? walls?.own : undefined,
  );
  let next = 0;
  const pathsOf = new Map<GroupTally, RetainerPath[]>(
    withPaths.map((group) => [group, group.best.flatMap(() => paths[next++] ?? [])]),
  );
  const newObjects = groups.slice(0, groupLimit).map(
    (group): HeapObjectGroup => ({
      constructorName: group.name,
      type: group.type,
      count: group.count,
      selfBytes: group.selfBytes,
      retainedBytes: group.retainedBytes,
      nativeBytes: group.nativeBytes,
      paths: pathsOf.get(group) ?? [],
    }),
  );

  const totals = { count: 0, selfBytes: 0, nativeBytes };
  for (const group of groups) {
    totals.count += group.count;
    totals.selfBytes += group.selfBytes;
  }
  const result: Pick<
    HeapObjectsDiff,
    'newObjects' | 'totals' | 'omitted' | 'notes' | 'ownObjects' | 'engineObjects'
  > = {
    newObjects,
    totals,
    notes: [],
  };
  if (walls !== undefined) result.ownObjects = ownObjects;
  if (options.appView) result.engineObjects = engineObjects;
  const rest = groups.slice(groupLimit);
  if (rest.length > 0) {
    result.omitted = { groups: rest.length, count: 0, selfBytes: 0 };
    for (const group of rest) {
      result.omitted.count += group.count;
      result.omitted.selfBytes += group.selfBytes;
    }
  }
  if (engineObjects.count > 0)
    result.notes.push(
      `${engineObjects.count} new V8-internal object(s) (${engineObjects.selfBytes} bytes of compiled code, ` +
        'feedback and hidden classes, made by code that ran for the first time or was optimized) are not listed: ' +
        "they are the engine's, not data the app keeps (the .heapsnapshot files have them).",
    );
  if (request.count > 0)
    result.notes.push(
      `${request.count} new object(s) (${request.selfBytes} bytes) were held only by this request's own ` +
        'request and response objects (headers, parameters, body): Node frees them with it; left out.',
    );
  if (instant.count > 0)
    result.notes.push(
      `${instant.count} new object(s) (${instant.selfBytes} bytes) were held only by the stack and handles of ` +
        'the code running at the instant of the snapshot, and are left out.',
    );
  if (unreachable > 0)
    result.notes.push(
      `${unreachable} new object(s) in the snapshot were unreachable (garbage not yet collected, or ` +
        'held only weakly) and are left out.',
    );
  if (ownObjects.count > 0)
    result.notes.push(
      `${ownObjects.count} new object(s) (${ownObjects.selfBytes} bytes) belong to ramflow (its records, ` +
        "profiler windows and pending work, and what only they hold) and are left out: they are not the app's. " +
        'Retainer paths do not pass through ramflow.',
    );
  if (groups.length > 1)
    result.notes.push(
      "Retained sizes overlap between groups: an object's retained size includes the objects it alone " +
        'keeps alive, which may belong to other groups.',
    );
  return result;
}

/**
 * A node's state, one byte per node, besides the dominator tree's OPEN and IN_TREE: 0, an old node not reached
 * yet; a new object not reached yet; a node of M (see the module comment).
 */
const NEW = 3;
const WITHOUT_NEW = 4;
/** One of ramflow's own objects (a wall, see the module comment), not reached yet; and reached. */
const RAMFLOW = 5;
const RAMFLOW_REACHED = 6;
/** A root category of the snapshot's instant (see the module comment), not reached yet; and reached. */
const INSTANT = 7;
const INSTANT_REACHED = 8;
/** The request's own req/res (see own-objects.ts), not reached yet; and reached. */
const REQUEST = 9;
const REQUEST_REACHED = 10;

/**
 * Marks the new objects {@link NEW} in `state` (0 before, but for walls and the instant's roots, which keep their
 * states), in one pass over the nodes; returns how many there are, walls included, reachable or not.
 */
function markNewObjects(
  graph: HeapSnapshotGraph,
  layout: GraphLayout,
  beforeMaxJsObjectId: number,
  state: Uint8Array,
): number {
  const { nodes, nodeCount } = graph;
  const { nodeFieldCount, nodeType, nodeId } = layout;
  const syntheticType = graph.nodeTypes.indexOf('synthetic');
  let count = 0;
  for (let node = 0, at = 0; node < nodeCount; node++, at += nodeFieldCount) {
    const id = nodes[at + nodeId] as number;
    if (id % 2 === 1 && id > beforeMaxJsObjectId && nodes[at + nodeType] !== syntheticType) {
      if (state[node] === 0) state[node] = NEW; // walls stay walls
      count++;
    }
  }
  return count;
}

/**
 * Sets the `state` of the nodes strong paths from the root reach without passing through a new object (M, see
 * the module comment) to {@link WITHOUT_NEW}, and of those the others reach (U) to {@link OPEN}; returns the
 * entries (the new objects M nodes hold) and the size of U. The new objects must be marked (see
 * {@link markNewObjects}). `queue` (nodeCount entries) is scratch: both breadth-first searches queue their
 * nodes in it, M's from the start, U's after it (they are disjoint), the entries meanwhile from the end.
 */
function splitAtNewObjects(
  graph: HeapSnapshotGraph,
  layout: GraphLayout,
  starts: Uint32Array,
  state: Uint8Array,
  queue: Uint32Array,
): { entries: Uint32Array; open: number } {
  const { edges, nodeCount } = graph;
  const { edgeFieldCount, edgeType, edgeToNode } = layout;
  const { weak, shortcut } = nonRetainingEdgeTypes(graph);
  state[0] = WITHOUT_NEW;
  queue[0] = 0;
  let tail = 1;
  let first = nodeCount; // the entries are queue[first] … queue[nodeCount - 1]
  for (let head = 0; head < tail; head++) {
    const node = queue[head] as number;
    const end = starts[node + 1] as number;
    for (let e = starts[node] as number; e < end; e++) {
      const at = e * edgeFieldCount;
      const type = edges[at + edgeType] as number;
      if (type === weak || (type === shortcut && node !== 0)) continue;
      const to = edges[at + edgeToNode] as number;
      const toState = state[to];
      if (toState === 0) {
        state[to] = WITHOUT_NEW;
        queue[tail++] = to;
      } else if (toState === NEW) {
        state[to] = OPEN;
        queue[--first] = to;
      } else if (toState === RAMFLOW) {
        state[to] = RAMFLOW_REACHED;
      } else if (toState === INSTANT) {
        state[to] = INSTANT_REACHED;
      } else if (toState === REQUEST) {
        state[to] = REQUEST_REACHED;
      }
    }
  }
  const kept = tail;
  queue.copyWithin(kept, first, nodeCount);
  const entries = queue.slice(kept, kept + nodeCount - first);
  tail = kept + entries.length;
  for (let head = kept; head < tail; head++) {
    const node = queue[head] as number;
    const end = starts[node + 1] as number;
    for (let e = starts[node] as number; e < end; e++) {
      const at = e * edgeFieldCount;
      const type = edges[at + edgeType] as number;
      if (type === weak || type === shortcut) continue; // node is not the root
      const to = edges[at + edgeToNode] as number;
      const toState = state[to];
      if (toState === 0 || toState === NEW) {
        state[to] = OPEN;
        queue[tail++] = to;
      } else if (toState === RAMFLOW) {
        state[to] = RAMFLOW_REACHED;
      } else if (toState === INSTANT) {
        state[to] = INSTANT_REACHED;
      } else if (toState === REQUEST) {
        state[to] = REQUEST_REACHED;
      }
    }
  }
  return { entries, open: tail - kept };
}

/**
 * What the walls the searches reached (`reached`: {@link RAMFLOW_REACHED}, {@link REQUEST_REACHED} or
 * {@link INSTANT_REACHED}) hold that
 * nothing else does: a breadth-first search from those nodes through the nodes the searches left (old, new, or
 * walls not reached yet), marking them `reached`; returns the new objects among them (walls included), and their
 * self sizes. `queue` is scratch.
 */
function heldOnlyBy(
  reached: number,
  graph: HeapSnapshotGraph,
  layout: GraphLayout,
  starts: Uint32Array,
  state: Uint8Array,
  queue: Uint32Array,
  beforeMaxJsObjectId: number,
): { count: number; selfBytes: number } {
  const { nodes, edges, nodeCount } = graph;
  const { nodeFieldCount, nodeId, nodeSelfSize, edgeFieldCount, edgeType, edgeToNode } = layout;
  const { weak, shortcut } = nonRetainingEdgeTypes(graph);
  let tail = 0;
  for (let node = 0; node < nodeCount; node++) if (state[node] === reached) queue[tail++] = node;
  let count = 0;
  let selfBytes = 0;
  for (let head = 0; head < tail; head++) {
    const node = queue[head] as number;
    const at = node * nodeFieldCount;
    const id = nodes[at + nodeId] as number;
    if (id % 2 === 1 && id > beforeMaxJsObjectId) {
      count++;
      selfBytes += nodes[at + nodeSelfSize] as number;
    }
    const end = starts[node + 1] as number;
    for (let e = starts[node] as number; e < end; e++) {
      const edge = e * edgeFieldCount;
      const type = edges[edge + edgeType] as number;
      if (type === weak || type === shortcut) continue; // node is not the root
      const to = edges[edge + edgeToNode] as number;
      const toState = state[to];
      if (
        toState === 0 ||
        toState === NEW ||
        toState === RAMFLOW ||
        toState === INSTANT ||
        toState === REQUEST
      ) {
        state[to] = reached;
        queue[tail++] = to;
      }
    }
  }
  return { count, selfBytes };
}

/**
 * One pass over the tree's nodes: finds the new objects, tallies count and self size per class, and marks them
 * and the native nodes at their dominator-tree positions for {@link sumRetained}. Classes are resolved once
 * per node type, or per name for the types grouped by name.
 */
function findNewObjects(
  graph: HeapSnapshotGraph,
  layout: GraphLayout,
  tree: DominatorTree,
  beforeMaxJsObjectId: number,
): NewObjects {
  const { nodes, nodeTypes, strings } = graph;
  const { nodeFieldCount, nodeType, nodeName, nodeId, nodeSelfSize } = layout;
  const nativeType = nodeTypes.indexOf('native');
  const syntheticType = nodeTypes.indexOf('synthetic');
  const groups: GroupTally[] = [];
  const groupByClass = new Map<string, number>();
  const groupOfClass = (type: string, name: string): number => {
    const cls = className(type, name);
    let group = groupByClass.get(cls);
    if (group === undefined) {
      group = groups.length;
      groupByClass.set(cls, group);
      groups.push({
        name: cls,
        type: classType(type),
        count: 0,
        selfBytes: 0,
        retainedBytes: 0,
        nativeBytes: 0,
        best: [],
      });
    }
    return group;
  };
  // 1 + group by type code, or by name string index for the types whose class is their name (0: not seen yet).
  const classByType = nodeTypes.map((type) => typeClassName(type));
  const groupByType = new Uint32Array(nodeTypes.length);
  const groupByName = new Uint32Array(strings.length);

  const { ordinalAt, reachable, position } = tree;
  const groupOf = new Uint32Array(reachable + 1);
  const marked = new Uint32Array(reachable);
  let count = 0;
  for (let w = 2; w <= reachable; w++) {
    const at = (ordinalAt[w] as number) * nodeFieldCount;
    const type = nodes[at + nodeType] as number;
    const id = nodes[at + nodeId] as number;
    const isNew = id % 2 === 1 && id > beforeMaxJsObjectId && type !== syntheticType;
    if (!isNew && type !== nativeType) continue;
    marked[position[w] as number] = w;
    if (!isNew) continue;
    let group: number;
    if (classByType[type] !== undefined) {
      group = groupByType[type] as number;
      if (group === 0) groupByType[type] = group = 1 + groupOfClass(nodeTypes[type] as string, '');
    } else {
      const name = nodes[at + nodeName] as number;
      group = groupByName[name] as number;
      if (group === 0)
        groupByName[name] = group = 1 + groupOfClass(nodeTypes[type] as string, strings[name] ?? '');
    }
    groupOf[w] = group;
    count++;
    const tally = groups[group - 1] as GroupTally;
    tally.count++;
    tally.selfBytes += nodes[at + nodeSelfSize] as number;
  }
  return { groups, count, groupOf, marked };
}

/**
 * One walk over the dominator tree in its own preorder (visiting only the marked positions) sums, per group,
 * the retained sizes of its top members (those no other member of the group dominates) and the native bytes
 * in their subtrees, and keeps each group's largest top members for retainer paths. Returns the native bytes
 * under any new object, counted once.
 *
 * A member at position p is top when p is past the end of its group's last top member's subtree: dominator
 * subtrees nest, so a member inside an earlier member's subtree is inside the latest top one's. The open
 * subtrees of top members form a stack (one per group at most), closed as the walk leaves them, which is when
 * the native bytes seen since they opened are theirs.
 */
function sumRetained(
  graph: HeapSnapshotGraph,
  layout: GraphLayout,
  tree: DominatorTree,
  { groups, groupOf, marked }: NewObjects,
  keep: number,
): number {
  const { nodes } = graph;
  const { nodeFieldCount, nodeType, nodeSelfSize } = layout;
  const nativeType = graph.nodeTypes.indexOf('native');
  const { ordinalAt, retainedSize, size } = tree;
  const groupEnd = new Uint32Array(groups.length);
  const openGroup = new Uint32Array(groups.length);
  const openEnd = new Uint32Array(groups.length);
  const openNative = new Float64Array(groups.length);
  let open = 0;
  let native = 0;
  let newEnd = 0;
  let newNative = 0;
  const closeUntil = (position: number): void => {
    while (open > 0 && (openEnd[open - 1] as number) <= position) {
      open--;
      const tally = groups[openGroup[open] as number] as GroupTally;
      tally.nativeBytes += native - (openNative[open] as number);
    }
  };
  for (let position = 0; position < marked.length; position++) {
    const w = marked[position] as number;
    if (w === 0) continue;
    closeUntil(position);
    const group = (groupOf[w] as number) - 1;
    if (group >= 0) {
      const end = position + (size[w] as number);
      if (end > newEnd) newEnd = end;
      if (position >= (groupEnd[group] as number)) {
        const tally = groups[group] as GroupTally;
        tally.retainedBytes += retainedSize[w] as number;
        keepLargest(tally.best, w, retainedSize, keep);
        groupEnd[group] = end;
        openGroup[open] = group;
        openEnd[open] = end;
        openNative[open] = native;
        open++;
      }
    }
    const at = (ordinalAt[w] as number) * nodeFieldCount;
    if (nodes[at + nodeType] === nativeType) {
      const bytes = nodes[at + nodeSelfSize] as number;
      native += bytes;
      if (position < newEnd) newNative += bytes;
    }
  }
  closeUntil(Number.POSITIVE_INFINITY);
  return newNative;
}

/** Inserts `w` into `best` (largest retained size first) if it is among the `keep` largest. */
function keepLargest(best: number[], w: number, retainedSize: Float64Array, keep: number): void {
  const bytes = retainedSize[w] as number;
  let at = best.length;
  while (at > 0 && (retainedSize[best[at - 1] as number] as number) < bytes) at--;
  if (at >= keep) return;
  best.splice(at, 0, w);
  if (best.length > keep) best.pop();
}
