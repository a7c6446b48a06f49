// This file is long because the single-profile and the A/B-diff flame graphs share the tree building, hiding and
// ordering, and read best side by side.
/**
 * Flame-graph data: an allocation profile as compact JSON for the browser renderer
 * (templates/assets/flamegraph/, assembled into flamegraph.js), and the difference of two profiles drawn as one graph.
 *
 * The tree is an icicle (root at the top): a node's width is its total bytes, its children are laid out from the
 * left edge of its box, heaviest first, and its own bytes are the empty part at the right end of its box.
 */

import { formatBytes } from '../format.js';
import { plural } from '../plural.js';
import type { AllocationProfile, FrameKind, ProfileFrame, ProfileTreeNode } from '../types.js';
import { formatLocation, hideFrames } from './views.js';

/** Most nodes a flame graph's JSON carries, the `(other)` nodes included. */
export const MAX_FLAME_NODES = 20_000;
/** Paths that exist only in the first profile of a diff that are listed in `removed`. */
export const MAX_REMOVED_PATHS = 20;
/** What the flame graph hides unless told otherwise: Node.js internals and ramflow's own frames. */
export const DEFAULT_FLAME_HIDE: ReadonlySet<FrameKind> = new Set<FrameKind>(['node', 'ramflow']);

const FRAME_KINDS: readonly FrameKind[] = ['app', 'dependency', 'node', 'ramflow'];
/** The frame that stands for the call paths left out to respect the node cap. */
const OTHER_FRAME: ProfileFrame = { name: '(other)', url: '', line: 0, column: 0, kind: 'node' };

/** Options of {@link flameGraphData} and {@link flameGraphDiff}. */
export interface FlameGraphOptions {
  /**
   * Frame kinds to leave out; their bytes go to their nearest visible caller (see `hideFrames`), so every total
   * is unchanged. @default nothing hidden
   */
  hide?: ReadonlySet<FrameKind>;
  /** Link to open a frame's source in an editor (the `editorUrl` option); frames without one get no link. */
  editorLink?: (frame: ProfileFrame) => string | undefined;
  /** Most nodes in the result, `(other)` nodes included; at least 2. @default {@link MAX_FLAME_NODES} */
  maxNodes?: number;
}

/** A distinct function of the graph. Nodes point into the `frames` array by index. */
export interface FlameFrame {
  name: string;
  /** Short `file.js:12` location (see `formatLocation`), `(native)` for builtins. */
  location: string;
  kind: FrameKind;
  /** Where to open the function's source, when `editorLink` gave one. */
  editorHref?: string;
}

/**
 * One call path. `f` indexes `frames`, `s` is the path's own bytes, `t` its total (own plus children). Children
 * (`c`, left out when there are none) are sorted by total bytes, heaviest first, then by name and location, so
 * the big paths start at the left edge. Nodes of zero bytes are left out (they would be invisible).
 */
export interface FlameNode {
  f: number;
  s: number;
  t: number;
  c?: FlameNode[];
}

/** A node of a diff: `s`/`t` are the bytes in profile B (the box width), `s0`/`t0` those of the same path in A. */
export interface FlameDiffNode {
  f: number;
  s: number;
  t: number;
  s0: number;
  t0: number;
  c?: FlameDiffNode[];
}

/** The flame graph of one profile: what `flamegraph.json` serves. */
export interface FlameGraphData {
  mode: 'single';
  view: AllocationProfile['view'];
  /** Estimated bytes of the profile; equals `root.t`. */
  totalBytes: number;
  samplingInterval: number;
  sampleCount: number;
  /** Frame kinds hidden (their bytes are in their callers). */
  hidden: FrameKind[];
  /** Index 0 is `(root)`. */
  frames: FlameFrame[];
  root: FlameNode;
  /** Nodes in `root`, itself included. */
  nodes: number;
  /** What the reader must know about this graph (call paths merged to bound it). The profile's own notes are not repeated. */
  notes: string[];
}

/** A call path that exists in profile A and not in B (after hiding), with its bytes in A. */
export interface RemovedPath {
  /** Function names from below the root to the path's last frame. */
  path: string[];
  /** Location of the path's last frame. */
  location: string;
  bytes: number;
}

/** Two profiles as one graph: B's call paths at B's widths, coloured by how they changed from A. */
export interface FlameGraphDiffData {
  mode: 'diff';
  /** B's view, and A's. */
  view: AllocationProfile['view'];
  view0: AllocationProfile['view'];
  /** B's estimated bytes (equals `root.t`), and A's (equals `root.t0`). */
  totalBytes: number;
  totalBytes0: number;
  samplingInterval: number;
  samplingInterval0: number;
  sampleCount: number;
  sampleCount0: number;
  hidden: FrameKind[];
  /** The frames of both profiles, matched by name, URL, line and column. Index 0 is `(root)`. */
  frames: FlameFrame[];
  root: FlameDiffNode;
  nodes: number;
  /** The heaviest paths that exist only in A (the outermost such frame of each), at most {@link MAX_REMOVED_PATHS}. */
  removed: RemovedPath[];
  /** Every path that exists only in A, counted like `removed` (outermost frames only). */
  removedTotal: { paths: number; bytes: number };
  notes: string[];
}

/**
 * The flame graph of a profile, with the frames of `options.hide` removed (their bytes go to their callers) and
 * at most `options.maxNodes` nodes: the heaviest paths are kept, and the rest of each parent's children merged
 * into one `(other)` child (bytes kept, a note says how many paths). Siblings of the same function (same name,
 * URL, line and column) are merged. `root.t` always equals `profile.totalBytes`.
 */
export function flameGraphData(profile: AllocationProfile, options: FlameGraphOptions = {}): FlameGraphData {
  const view = visible(profile, options.hide);
  const table = new FrameTable(options.editorLink);
  const tree = fromProfile(view, view.root);
  const emitted = emit(tree, maxNodes(options), table, false);
  return {
    mode: 'single',
    view: profile.view,
    totalBytes: profile.totalBytes,
    samplingInterval: profile.samplingInterval,
    sampleCount: profile.sampleCount,
    hidden: hiddenKinds(options.hide),
    frames: table.frames,
    root: emitted.root as FlameNode,
    nodes: emitted.nodes,
    notes: emitted.notes,
  };
}

/**
 * The difference of two profiles as one graph: B's tree (widths are B's bytes), each node also carrying the
 * bytes of the same call path in A (`t0`, `s0`; 0 when A lacks it). Paths are matched by the identity of their
 * frames (name, URL, line, column) from the root down, not by frame index: the two profiles have their own frame
 * tables. Paths found only in A would have no width, so they are listed in `removed` (heaviest first) instead.
 * Nothing is normalised: both profiles' bytes are estimates, compared as they are.
 */
export function flameGraphDiff(
  a: AllocationProfile,
  b: AllocationProfile,
  options: FlameGraphOptions = {},
): FlameGraphDiffData {
  const viewA = visible(a, options.hide);
  const viewB = visible(b, options.hide);
  const table = new FrameTable(options.editorLink);
  const treeB = fromProfile(viewB, viewB.root);
  const treeA = fromProfile(viewA, viewA.root);
  const removed: RemovedPath[] = [];
  const removedTotal = { paths: 0, bytes: 0 };
  match(treeB, treeA, [], (path, node) => {
    removedTotal.paths++;
    removedTotal.bytes += node.t;
    removed.push({ path, location: formatLocation(node.frame), bytes: node.t });
  });
  removed.sort((x, y) => y.bytes - x.bytes || x.path.join('\u0000').localeCompare(y.path.join('\u0000')));
  removed.length = Math.min(removed.length, MAX_REMOVED_PATHS);

  const emitted = emit(treeB, maxNodes(options), table, true);
  const notes = emitted.notes;
  if (a.view !== b.view) {
    notes.unshift(
      `A is the ${a.view} view and B the ${b.view} view: they measure different things, so their difference says little.`,
    );
  }
  if (a.samplingInterval !== b.samplingInterval) {
    notes.push(
      `The profiles were sampled at different intervals (about one sample per ${formatBytes(a.samplingInterval)} in A, ${formatBytes(b.samplingInterval)} in B): small paths are estimated less precisely in the coarser one.`,
    );
  }
  if (removedTotal.paths > 0) {
    notes.push(
      `${plural(removedTotal.paths, 'call path')} of A (${formatBytes(removedTotal.bytes)}) ${
        removedTotal.paths === 1 ? 'does' : 'do'
      } not occur in B and cannot be drawn at B's widths${
        removedTotal.paths > removed.length
          ? `; the ${removed.length} heaviest are listed`
          : '; they are listed'
      }.`,
    );
  }
  return {
    mode: 'diff',
    view: b.view,
    view0: a.view,
    totalBytes: b.totalBytes,
    totalBytes0: a.totalBytes,
    samplingInterval: b.samplingInterval,
    samplingInterval0: a.samplingInterval,
    sampleCount: b.sampleCount,
    sampleCount0: a.sampleCount,
    hidden: hiddenKinds(options.hide),
    frames: table.frames,
    root: emitted.root as FlameDiffNode,
    nodes: emitted.nodes,
    removed,
    removedTotal,
    notes,
  };
}

/**
 * The frame kinds of a `hide` query parameter: a comma-separated list of `app`, `dependency`, `node`, `ramflow`
 * (unknown words are ignored). Absent (`null`/`undefined`) means the default, {@link DEFAULT_FLAME_HIDE}; empty
 * or `none` means nothing hidden.
 */
export function parseHide(value: string | null | undefined): ReadonlySet<FrameKind> {
  if (value === null || value === undefined) return DEFAULT_FLAME_HIDE;
  const kinds = new Set<FrameKind>();
  for (const word of value.split(',')) {
    const kind = word.trim().toLowerCase();
    if ((FRAME_KINDS as readonly string[]).includes(kind)) kinds.add(kind as FrameKind);
  }
  return kinds;
}

/** A node of the working tree: one call path with its bytes in B (or the only profile) and in A. */
interface PathNode {
  frame: ProfileFrame;
  key: string;
  s: number;
  t: number;
  s0: number;
  t0: number;
  children: PathNode[];
}

function visible(profile: AllocationProfile, hide: ReadonlySet<FrameKind> | undefined): AllocationProfile {
  return hide !== undefined && hide.size > 0 ? hideFrames(profile, hide) : profile;
}

function hiddenKinds(hide: ReadonlySet<FrameKind> | undefined): FrameKind[] {
  return FRAME_KINDS.filter((kind) => hide?.has(kind) === true);
}

function maxNodes(options: FlameGraphOptions): number {
  const limit = options.maxNodes ?? MAX_FLAME_NODES;
  return Number.isFinite(limit) ? Math.max(2, Math.floor(limit)) : MAX_FLAME_NODES;
}

/** What identifies a function across profiles. */
function frameKey(frame: ProfileFrame): string {
  return `${frame.name}\u0000${frame.url}\u0000${frame.line}\u0000${frame.column}`;
}

const UNKNOWN_FRAME: ProfileFrame = { name: '(unknown)', url: '', line: 0, column: 0, kind: 'node' };

/**
 * The working tree of a profile: nodes of zero bytes dropped (the root kept), siblings of the same function
 * merged. The root keeps the profile's own figures.
 */
function fromProfile(profile: AllocationProfile, node: ProfileTreeNode): PathNode {
  const frame = profile.frames[node.frame] ?? UNKNOWN_FRAME;
  const out: PathNode = {
    frame,
    key: frameKey(frame),
    s: node.selfBytes,
    t: node.totalBytes,
    s0: 0,
    t0: 0,
    children: [],
  };
  const byKey = new Map<string, PathNode>();
  for (const child of node.children) {
    if (!(child.totalBytes > 0)) continue;
    const built = fromProfile(profile, child);
    const same = byKey.get(built.key);
    if (same === undefined) {
      byKey.set(built.key, built);
      out.children.push(built);
    } else {
      absorb(same, built);
    }
  }
  return out;
}

/** Adds `other`'s bytes and children into `into`, merging children of the same function. */
function absorb(into: PathNode, other: PathNode): void {
  into.s += other.s;
  into.t += other.t;
  for (const child of other.children) {
    const same = into.children.find((candidate) => candidate.key === child.key);
    if (same === undefined) into.children.push(child);
    else absorb(same, child);
  }
}

/**
 * Sets `s0`/`t0` of every node of B's tree from the same path in A's, and reports A's paths missing from B (the
 * outermost node of each: its bytes include everything below it).
 */
function match(
  b: PathNode,
  a: PathNode,
  path: string[],
  onRemoved: (path: string[], node: PathNode) => void,
): void {
  b.s0 = a.s;
  b.t0 = a.t;
  const inB = new Map<string, PathNode>();
  for (const child of b.children) inB.set(child.key, child);
  for (const child of a.children) {
    const twin = inB.get(child.key);
    const childPath = [...path, child.frame.name];
    if (twin === undefined) onRemoved(childPath, child);
    else match(twin, child, childPath, onRemoved);
  }
}

/** The frames table of the result: one entry per distinct function, `(root)` first. */
class FrameTable {
  readonly frames: FlameFrame[] = [];
  readonly #index = new Map<string, number>();
  readonly #editorLink: ((frame: ProfileFrame) => string | undefined) | undefined;

  constructor(editorLink: ((frame: ProfileFrame) => string | undefined) | undefined) {
    this.#editorLink = editorLink;
  }

  add(frame: ProfileFrame, key = frameKey(frame)): number {
    let index = this.#index.get(key);
    if (index === undefined) {
      index = this.frames.length;
      const out: FlameFrame = { name: frame.name, location: formatLocation(frame), kind: frame.kind };
      const href = this.#editorLink?.(frame);
      if (href !== undefined && href !== '') out.editorHref = href;
      this.frames.push(out);
      this.#index.set(key, index);
    }
    return index;
  }
}

/** A node of the JSON tree: a {@link FlameNode}, with `s0`/`t0` in a diff. */
interface OutNode {
  f: number;
  s: number;
  t: number;
  s0?: number;
  t0?: number;
  c?: OutNode[];
}

/** Heaviest first, then by name, then by location: a stable left-to-right order. */
function compareNodes(x: PathNode, y: PathNode): number {
  return (
    y.t - x.t ||
    (x.frame.name < y.frame.name ? -1 : x.frame.name > y.frame.name ? 1 : 0) ||
    (x.key < y.key ? -1 : x.key > y.key ? 1 : 0)
  );
}

/**
 * The JSON tree of at most `limit` nodes. The heaviest paths are taken first (a path is only taken with its
 * parent); each kept node whose children were not all taken gets one `(other)` child holding their bytes, and
 * those `(other)` nodes count towards the limit.
 */
function emit(
  root: PathNode,
  limit: number,
  table: FrameTable,
  diff: boolean,
): { root: OutNode; nodes: number; notes: string[] } {
  const kept = new Set<PathNode>([root]);
  /** Children of a kept node that are not kept (yet). */
  const left = new Map<PathNode, number>([[root, root.children.length]]);
  let others = root.children.length > 0 ? 1 : 0;
  const heap = new PriorityQueue<{ node: PathNode; parent: PathNode }>((x, y) =>
    compareNodes(x.node, y.node),
  );
  for (const child of root.children) heap.push({ node: child, parent: root });
  while (heap.size > 0) {
    const next = heap.pop() as { node: PathNode; parent: PathNode };
    const parentLeft = (left.get(next.parent) ?? 1) - 1;
    const change = 1 + (next.node.children.length > 0 ? 1 : 0) - (parentLeft === 0 ? 1 : 0);
    if (kept.size + others + change > limit) break;
    kept.add(next.node);
    others += change - 1;
    left.set(next.parent, parentLeft);
    left.set(next.node, next.node.children.length);
    for (const child of next.node.children) heap.push({ node: child, parent: next.node });
  }

  let nodes = 0;
  const merged = { paths: 0, bytes: 0 };
  const countPaths = (node: PathNode): number =>
    node.children.reduce((sum, child) => sum + countPaths(child), 1);
  const node = (path: PathNode): OutNode =>
    diff
      ? { f: table.add(path.frame, path.key), s: path.s, t: path.t, s0: path.s0, t0: path.t0 }
      : { f: table.add(path.frame, path.key), s: path.s, t: path.t };
  const out = (path: PathNode): OutNode => {
    nodes++;
    const result = node(path);
    const children: OutNode[] = [];
    let rest: PathNode | undefined;
    for (const child of [...path.children].sort(compareNodes)) {
      if (kept.has(child)) {
        children.push(out(child));
        continue;
      }
      rest ??= { frame: OTHER_FRAME, key: frameKey(OTHER_FRAME), s: 0, t: 0, s0: 0, t0: 0, children: [] };
      rest.s += child.t;
      rest.t += child.t;
      rest.s0 += child.t0;
      rest.t0 += child.t0;
      merged.paths += countPaths(child);
      merged.bytes += child.t;
    }
    if (rest !== undefined) {
      nodes++;
      const bytes = rest.t;
      // The merged paths go where their bytes rank among the kept siblings.
      let at = children.findIndex((child) => child.t < bytes);
      if (at < 0) at = children.length;
      children.splice(at, 0, node(rest));
    }
    if (children.length > 0) result.c = children;
    return result;
  };
  const tree = out(root);
  const notes: string[] = [];
  if (merged.paths > 0) {
    notes.push(
      `${merged.paths} smaller call path${merged.paths === 1 ? ' was' : 's were'} merged into (other) nodes (${formatBytes(merged.bytes)}) to keep the graph under ${limit} nodes.`,
    );
  }
  return { root: tree, nodes, notes };
}

/** A binary heap; `before(x, y)` < 0 when x must come out first. */
class PriorityQueue<T> {
  readonly #items: T[] = [];
  readonly #before: (x: T, y: T) => number;

  constructor(before: (x: T, y: T) => number) {
    this.#before = before;
  }

  get size(): number {
    return this.#items.length;
  }

  push(item: T): void {
    const items = this.#items;
    items.push(item);
    let at = items.length - 1;
    while (at > 0) {
      const up = (at - 1) >> 1;
      if (this.#before(items[at] as T, items[up] as T) >= 0) break;
      [items[at], items[up]] = [items[up] as T, items[at] as T];
      at = up;
    }
  }

  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      let at = 0;
      for (;;) {
        const l = at * 2 + 1;
        const r = l + 1;
        let best = at;
        if (l < items.length && this.#before(items[l] as T, items[best] as T) < 0) best = l;
        if (r < items.length && this.#before(items[r] as T, items[best] as T) < 0) best = r;
        if (best === at) break;
        [items[at], items[best]] = [items[best] as T, items[at] as T];
        at = best;
      }
    }
    return top;
  }
}
