import { markerSlotOf } from './boundary-markers.js';
import type { BuilderNode, ProfileTreeBuilder, RawCallFrame } from './profile-tree.js';

/** A node of V8's sampling heap profile (`HeapProfiler.SamplingHeapProfileNode`). */
export interface RawProfileNode {
  callFrame: RawCallFrame;
  selfSize: number;
  id: number;
  children: RawProfileNode[];
}

/** V8's sampling heap profile (`HeapProfiler.SamplingHeapProfile`). */
export interface RawProfile {
  head: RawProfileNode;
  samples: Array<{ size: number; nodeId: number; ordinal: number }>;
}

/** One boundary marker the profiler emitted, and where it was found in its epoch's profile. */
export interface BoundaryEvent {
  /** Emission order within the process. */
  readonly seq: number;
  /** Which marker function made it. */
  readonly slot: number;
  /** The profiler run (epoch) it was emitted in. */
  readonly epoch: number;
  /**
   * `found`: at `index` in the epoch's samples sorted by ordinal. `missed`: not sampled; the window then
   * reaches to the nearest boundary that was found (`before` for an opening, `after` for a closing).
   */
  state: 'pending' | 'found' | 'missed';
  index: number;
  before: number;
  after: number;
}

/** A request window to fill from a profile: samples strictly between its open and close markers. */
export interface WindowCut {
  readonly open: BoundaryEvent;
  readonly close: BoundaryEvent | undefined;
  readonly builder: ProfileTreeBuilder;
  /** Set when the window's samples cannot be told apart. */
  failed: string | undefined;
  /** What the reader should know about how the window was cut. */
  readonly notes: string[];
}

export interface CutOutcome {
  samples: number;
  markersFound: number;
  markersMissed: number;
  /** True when none of several markers was found: the profiler was restarted by someone else. */
  foreignRestart: boolean;
}

interface NodeInfo {
  frame: RawCallFrame;
  parent: number | undefined;
  /** Marker slot of this node, or of its parent (a marker's allocation helper may be its own frame). */
  slot: number | undefined;
}

/**
 * Finds the boundary markers of one epoch in its profile and hands every other sample to the windows it
 * falls in. `events` are this epoch's markers in emission order; `windows` every window that overlaps the
 * epoch (opened in it or before, closed in it, after it, or not yet).
 */
export function cutProfile(
  profile: RawProfile,
  epoch: number,
  events: readonly BoundaryEvent[],
  windows: readonly WindowCut[],
): CutOutcome {
  const nodes = new Map<number, NodeInfo>();
  const stack: Array<[RawProfileNode, number | undefined, number | undefined]> = [];
  for (const child of profile.head.children) stack.push([child, undefined, undefined]);
  while (stack.length > 0) {
    const [node, parent, parentSlot] = stack.pop() as [
      RawProfileNode,
      number | undefined,
      number | undefined,
    ];
    const own = markerSlotOf(node.callFrame.functionName);
    nodes.set(node.id, { frame: node.callFrame, parent, slot: own ?? parentSlot });
    for (const child of node.children) stack.push([child, node.id, own]);
  }

  const samples = [...profile.samples].sort((a, b) => a.ordinal - b.ordinal);
  const isMarker = new Uint8Array(samples.length);
  let next = 0;
  let found = 0;
  let currentSlot: number | undefined;
  for (let i = 0; i < samples.length; i++) {
    const slot = nodes.get((samples[i] as { nodeId: number }).nodeId)?.slot;
    if (slot === undefined) continue;
    isMarker[i] = 1;
    // A marker allocates several arrays, so it usually yields several samples, and V8 sometimes orders another
    // sample among them. Consecutive boundaries always have different slots, so the slot of the boundary just
    // read, seen again, is the same marker (reading it as a new one would skip the next seven as missed).
    if (slot === currentSlot) continue;
    currentSlot = slot;
    while (next < events.length && (events[next] as BoundaryEvent).slot !== slot) {
      (events[next] as BoundaryEvent).state = 'missed';
      next++;
    }
    if (next < events.length) {
      const event = events[next] as BoundaryEvent;
      event.state = 'found';
      event.index = i;
      found++;
      next++;
    }
  }
  for (; next < events.length; next++) (events[next] as BoundaryEvent).state = 'missed';
  // A missed marker (e^-8 in theory) widens its window to the nearest boundary that was found: the window keeps
  // its samples plus a few of its neighbours', and says so.
  let lastFound = -1;
  for (const event of events) {
    if (event.state === 'found') lastFound = event.index;
    else event.before = lastFound;
  }
  let nextFound = samples.length;
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i] as BoundaryEvent;
    if (event.state === 'found') nextFound = event.index;
    else event.after = nextFound;
  }
  const foreignRestart = events.length >= 3 && found === 0;

  for (const window of windows) {
    if (window.failed !== undefined) continue;
    if (foreignRestart) {
      window.failed =
        'the sampling heap profiler was restarted by another inspector session (DevTools?) during this request';
      continue;
    }
    const { open, close } = window;
    let from = 0;
    if (open.epoch === epoch) from = (open.state === 'found' ? open.index : open.before) + 1;
    let to = samples.length;
    if (close !== undefined && close.epoch === epoch)
      to = close.state === 'found' ? close.index : close.after;
    if (
      (open.epoch === epoch && open.state === 'missed') ||
      (close?.epoch === epoch && close.state === 'missed')
    ) {
      window.notes.push(
        "one of this request's boundary markers was not sampled, so its window was widened to the nearest boundary found: it may include a few allocations made just before or after it",
      );
    }
    const builder = window.builder;
    const memo = new Map<number, BuilderNode>();
    const nodeFor = (id: number): BuilderNode => {
      const cached = memo.get(id);
      if (cached) return cached;
      const info = nodes.get(id);
      if (info === undefined) return builder.root;
      const parent = info.parent === undefined ? builder.root : nodeFor(info.parent);
      const node = builder.childOf(parent, info.frame);
      memo.set(id, node);
      return node;
    };
    for (let i = from; i < to; i++) {
      if (isMarker[i] === 1) continue;
      const sample = samples[i] as { size: number; nodeId: number };
      builder.add(nodeFor(sample.nodeId), sample.size);
    }
  }
  return {
    samples: samples.length,
    markersFound: found,
    markersMissed: events.length - found,
    foreignRestart,
  };
}
