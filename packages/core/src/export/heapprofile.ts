import { CumulativeRounder } from '../profile/cumulative-rounder.js';
import type { AllocationProfile, ProfileTreeNode } from '../types.js';

/** A node of Chrome's `SamplingHeapProfile` (the DevTools protocol's `HeapProfiler.SamplingHeapProfileNode`). */
export interface HeapProfileNode {
  callFrame: {
    functionName: string;
    scriptId: string;
    url: string;
    /** 0-based; -1 when unknown. */
    lineNumber: number;
    /** 0-based; -1 when unknown. */
    columnNumber: number;
  };
  selfSize: number;
  id: number;
  children: HeapProfileNode[];
}

/** Chrome DevTools' `.heapprofile` file: the protocol's `HeapProfiler.SamplingHeapProfile`. */
export interface HeapProfile {
  head: HeapProfileNode;
  samples: Array<{ size: number; nodeId: number; ordinal: number }>;
}

/**
 * The profile as a Chrome DevTools `.heapprofile` JSON document (opens in DevTools' Memory tab and in
 * speedscope). Node ids are unique positive integers in depth-first order; each node with own bytes gets one
 * sample. Sizes are integers rounded with a carried error, so the samples' sizes and the nodes' `selfSize`s each
 * add up to the profile's `totalBytes` (rounded).
 */
export function toHeapProfile(profile: AllocationProfile): string {
  const samples: HeapProfile['samples'] = [];
  const rounder = new CumulativeRounder();
  let nextId = 1;
  const convert = (node: ProfileTreeNode): HeapProfileNode => {
    const frame = profile.frames[node.frame];
    const id = nextId++;
    const selfSize = rounder.next(node.selfBytes);
    if (node.selfBytes > 0) samples.push({ size: selfSize, nodeId: id, ordinal: samples.length + 1 });
    return {
      callFrame: {
        functionName: frame?.name ?? '(unknown)',
        scriptId: '0',
        url: frame?.url ?? '',
        lineNumber: zeroBased(frame?.line ?? 0),
        columnNumber: zeroBased(frame?.column ?? 0),
      },
      selfSize,
      id,
      children: node.children.map(convert),
    };
  };
  const document: HeapProfile = { head: convert(profile.root), samples };
  return JSON.stringify(document);
}

/** Our positions are 1-based with 0 for unknown; the protocol's are 0-based with -1 for unknown. */
function zeroBased(position: number): number {
  return position > 0 ? position - 1 : -1;
}
