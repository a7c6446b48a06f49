import type { AllocationProfile, ProfileFrame, ProfileTreeNode } from '../../types.js';
import { classifyFrame } from './frame-kind.js';
import { originalPosition } from './source-positions.js';

/** A call frame as V8's sampling heap profiler reports it (0-based line and column). */
export interface RawCallFrame {
  functionName: string;
  scriptId: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

/** Largest number of tree nodes a record keeps; smaller subtrees are merged beyond it. */
export const MAX_TREE_NODES = 1_500;

export interface BuilderNode {
  frame: number;
  selfBytes: number;
  samples: number;
  children: Map<number, BuilderNode>;
  /** The call path runs through ramflow's own work (a toolbar render, header formatting): not the request's. */
  own?: boolean;
}

/**
 * ramflow's own work inside a request window, entered through these methods of its session: what is sampled
 * below them is left out of the request's profile, as the process counters leave it out of `allocatedBytes`.
 */
const OWN_WORK = new Set(['injectToolbar', 'responseHeaders']);

/**
 * Accumulates one window's samples into a call tree with its own frame table. Frames are interned by
 * (name, url, line, column); the tree merges identical call paths.
 */
export class ProfileTreeBuilder {
  readonly frames: ProfileFrame[] = [{ name: '(root)', url: '', line: 0, column: 0, kind: 'node' }];
  readonly #frameIndex = new Map<string, number>();
  readonly root: BuilderNode = { frame: 0, selfBytes: 0, samples: 0, children: new Map() };
  sampleCount = 0;
  totalBytes = 0;
  /** Bytes sampled in ramflow's own work, left out of the tree. */
  ownBytes = 0;

  #intern(frame: RawCallFrame): number {
    const key = `${frame.functionName}\u0000${frame.url}\u0000${frame.lineNumber}\u0000${frame.columnNumber}`;
    let index = this.#frameIndex.get(key);
    if (index === undefined) {
      index = this.frames.length;
      const position = originalPosition(frame.url, frame.lineNumber, frame.columnNumber);
      this.frames.push({
        name: frame.functionName === '' ? '(anonymous)' : frame.functionName,
        url: position.url,
        line: position.line >= 0 ? position.line + 1 : 0,
        column: position.column >= 0 ? position.column + 1 : 0,
        kind: classifyFrame(frame.url, frame.functionName),
      });
      this.#frameIndex.set(key, index);
    }
    return index;
  }

  /** The node for a call path (root first, the profiler's own root excluded), created on first use. */
  nodeFor(path: readonly RawCallFrame[]): BuilderNode {
    let node = this.root;
    for (const frame of path) node = this.childOf(node, frame);
    return node;
  }

  /** The child of `parent` for `frame`, created on first use. */
  childOf(parent: BuilderNode, frame: RawCallFrame): BuilderNode {
    const index = this.#intern(frame);
    let child = parent.children.get(index);
    if (child === undefined) {
      child = { frame: index, selfBytes: 0, samples: 0, children: new Map() };
      const frameInfo = this.frames[index] as ProfileFrame;
      if (parent.own === true || (frameInfo.kind === 'ramflow' && OWN_WORK.has(frameInfo.name)))
        child.own = true;
      parent.children.set(index, child);
    }
    return child;
  }

  /** Adds one sample; sizes are rounded to whole bytes so every sum in the tree is exact. */
  add(node: BuilderNode, size: number): void {
    const bytes = Math.round(size);
    if (node.own === true) {
      this.ownBytes += bytes;
      return;
    }
    node.selfBytes += bytes;
    node.samples++;
    this.sampleCount++;
    this.totalBytes += bytes;
  }

  /** The finished, JSON-ready profile (pruned to MAX_TREE_NODES nodes; pruned bytes stay in `(other)` nodes). */
  build(view: AllocationProfile['view'], samplingInterval: number, notes: string[]): AllocationProfile {
    const totals = new Map<BuilderNode, number>();
    let count = 0;
    const total = (node: BuilderNode): number => {
      count++;
      let sum = node.selfBytes;
      for (const child of node.children.values()) sum += total(child);
      totals.set(node, sum);
      return sum;
    };
    // Paths into ramflow's own work hold no samples (see `add`): they are not emitted.
    const prune = (node: BuilderNode): void => {
      for (const [key, child] of node.children) {
        if (child.own === true) node.children.delete(key);
        else prune(child);
      }
    };
    prune(this.root);
    const totalBytes = total(this.root);
    // Keep the heaviest nodes: the cut-off is the total of the MAX_TREE_NODES-th heaviest node.
    let threshold = 0;
    if (count > MAX_TREE_NODES) {
      const sorted = [...totals.values()].sort((a, b) => b - a);
      threshold = sorted[MAX_TREE_NODES - 1] ?? 0;
    }
    const frames = this.frames;
    let otherFrame: number | undefined;
    let prunedNodes = 0;
    let prunedBytes = 0;
    const emit = (node: BuilderNode): ProfileTreeNode => {
      const out: ProfileTreeNode = {
        frame: node.frame,
        selfBytes: node.selfBytes,
        totalBytes: totals.get(node) ?? 0,
        samples: node.samples,
        children: [],
      };
      let otherBytes = 0;
      let otherSamples = 0;
      const children = [...node.children.values()].sort(
        (a, b) => (totals.get(b) ?? 0) - (totals.get(a) ?? 0),
      );
      for (const child of children) {
        const childTotal = totals.get(child) ?? 0;
        if (threshold > 0 && childTotal < threshold) {
          otherBytes += childTotal;
          otherSamples += countSamples(child);
          prunedNodes += countNodes(child);
        } else {
          out.children.push(emit(child));
        }
      }
      if (otherBytes > 0) {
        if (otherFrame === undefined) {
          otherFrame = frames.length;
          frames.push({ name: '(smaller call paths)', url: '', line: 0, column: 0, kind: 'node' });
        }
        prunedBytes += otherBytes;
        out.children.push({
          frame: otherFrame,
          selfBytes: otherBytes,
          totalBytes: otherBytes,
          samples: otherSamples,
          children: [],
        });
      }
      return out;
    };
    const root = emit(this.root);
    const profile: AllocationProfile = {
      view,
      samplingInterval,
      sampleCount: this.sampleCount,
      totalBytes: totalBytes,
      frames: this.ownBytes > 0 ? compactFrames(root, frames) : frames,
      root,
      notes,
    };
    if (prunedNodes > 0) profile.pruned = { nodes: prunedNodes, bytes: prunedBytes };
    if (this.ownBytes > 0) profile.ramflowBytes = this.ownBytes;
    return profile;
  }
}

/**
 * The frames the emitted tree refers to, renumbered in the tree: frames seen only in ramflow's own work (a
 * template engine's, say) are not the request's and are left out of its table.
 */
function compactFrames(root: ProfileTreeNode, frames: ProfileFrame[]): ProfileFrame[] {
  const kept: ProfileFrame[] = [];
  const index = new Map<number, number>();
  const visit = (node: ProfileTreeNode): void => {
    let mapped = index.get(node.frame);
    if (mapped === undefined) {
      mapped = kept.length;
      kept.push(frames[node.frame] as ProfileFrame);
      index.set(node.frame, mapped);
    }
    node.frame = mapped;
    for (const child of node.children) visit(child);
  };
  visit(root);
  return kept;
}

function countNodes(node: BuilderNode): number {
  let n = 1;
  for (const child of node.children.values()) n += countNodes(child);
  return n;
}

function countSamples(node: BuilderNode): number {
  let n = node.samples;
  for (const child of node.children.values()) n += countSamples(child);
  return n;
}
