import { CumulativeRounder } from '../profile/cumulative-rounder.js';
import type { AllocationProfile, ProfileTreeNode } from '../types.js';

/** A frame of speedscope's file format. */
export interface SpeedscopeFrame {
  name: string;
  file?: string;
  line?: number;
  col?: number;
}

/** A speedscope file (https://www.speedscope.app/file-format-schema.json) holding one sampled profile. */
export interface SpeedscopeFile {
  $schema: 'https://www.speedscope.app/file-format-schema.json';
  shared: { frames: SpeedscopeFrame[] };
  profiles: Array<{
    type: 'sampled';
    name: string;
    unit: 'bytes';
    startValue: number;
    endValue: number;
    /** Stacks, root first, as indices into `shared.frames`. */
    samples: number[][];
    weights: number[];
  }>;
  name: string;
  activeProfileIndex: number;
  exporter: string;
}

/**
 * The profile in speedscope's own file format: one `sampled` profile in bytes whose samples are the tree's call
 * paths (root first, without the synthetic root) weighted by each node's own bytes. `shared.frames[i]` is the
 * profile's frame `i + 1`. Weights are integers rounded with a carried error, so they add up to `endValue`, the
 * profile's `totalBytes` (rounded). Own bytes of the root itself, if any, go to an extra `(root)` frame.
 */
export function toSpeedscope(profile: AllocationProfile, name: string): SpeedscopeFile {
  const frames: SpeedscopeFrame[] = profile.frames.slice(1).map((frame) => {
    const out: SpeedscopeFrame = { name: frame.name };
    if (frame.url !== '') out.file = frame.url;
    if (frame.line > 0) out.line = frame.line;
    if (frame.column > 0) out.col = frame.column;
    return out;
  });
  const samples: number[][] = [];
  const weights: number[] = [];
  const rounder = new CumulativeRounder();
  const stack: number[] = [];
  const visit = (node: ProfileTreeNode, isRoot: boolean): void => {
    if (!isRoot) stack.push(node.frame - 1);
    const weight = rounder.next(node.selfBytes);
    if (node.selfBytes > 0) {
      let path = [...stack];
      if (isRoot) {
        // speedscope has no place for bytes of an empty stack: give them a frame of their own.
        path = [frames.length];
        frames.push({ name: '(root)' });
      }
      samples.push(path);
      weights.push(weight);
    }
    for (const child of node.children) visit(child, false);
    if (!isRoot) stack.pop();
  };
  visit(profile.root, true);
  let endValue = 0;
  for (const weight of weights) endValue += weight;
  return {
    $schema: 'https://www.speedscope.app/file-format-schema.json',
    shared: { frames },
    profiles: [{ type: 'sampled', name, unit: 'bytes', startValue: 0, endValue, samples, weights }],
    name,
    activeProfileIndex: 0,
    exporter: 'ramflow',
  };
}
