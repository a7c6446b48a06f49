import { formatBytes } from '../format.js';
import type { CgroupMemory, LimitSource, SafetyMargin } from '../types.js';

/** Below this share of the limit left free, the dashboard warns (SPEC §5: "warnings under 10%"). */
export const WARN_FREE_RATIO = 0.1;

/**
 * `process.constrainedMemory()` returns 0 (Node 20) or about 2^64 (later versions) when there is no
 * constraint; anything from 2^60 up is treated as no constraint.
 */
const NO_CONSTRAINT_FROM = 2 ** 60;

const MIB = 1024 * 1024;

/**
 * The memory left between the process's RSS and the lowest real limit on it: the cgroup limit (what a container's
 * OOM killer enforces), `process.constrainedMemory()` (libuv's view of the same constraint, used when the
 * cgroup files were not readable) or the host's total memory. The lowest wins because it is the one that will be
 * hit first; on ties the cgroup is named, as the more specific source.
 */
export function safetyMargin(input: {
  rssBytes: number;
  cgroup: CgroupMemory | undefined;
  constrainedMemory: number | undefined;
  hostTotalBytes: number;
}): SafetyMargin {
  let limitBytes = input.hostTotalBytes;
  let limitSource: LimitSource = 'host memory';
  const constrained = input.constrainedMemory;
  if (
    constrained !== undefined &&
    constrained > 0 &&
    constrained < NO_CONSTRAINT_FROM &&
    constrained <= limitBytes
  ) {
    limitBytes = constrained;
    limitSource = 'process.constrainedMemory';
  }
  const cgroupLimit = input.cgroup?.limitBytes;
  if (input.cgroup && cgroupLimit != null && cgroupLimit > 0 && cgroupLimit <= limitBytes) {
    limitBytes = cgroupLimit;
    limitSource = input.cgroup.version === 2 ? 'cgroup v2' : 'cgroup v1';
  }
  const freeBytes = Math.max(0, limitBytes - input.rssBytes);
  const freeRatio = limitBytes > 0 ? freeBytes / limitBytes : 0;
  const margin: SafetyMargin = { limitBytes, limitSource, rssBytes: input.rssBytes, freeBytes, freeRatio };
  if (freeRatio < WARN_FREE_RATIO) {
    margin.warning =
      `RSS ${formatBytes(input.rssBytes)} leaves only ${formatBytes(freeBytes)} ` +
      `(${(freeRatio * 100).toFixed(1)}%) under the ${limitSource} limit of ${formatBytes(limitBytes)}: ` +
      'the process is close to being OOM-killed.';
  }
  return margin;
}

/**
 * A container memory limit for this app: the peak RSS seen plus 20% headroom (SPEC §5), rounded up to a whole
 * MiB because that is how limits are written (`512Mi`, `--memory=512m`).
 */
export function suggestedContainerLimit(peakRssBytes: number): number {
  return Math.ceil((peakRssBytes * 1.2) / MIB) * MIB;
}

/**
 * How many times the process grew from its app-ready baseline to its peak: peak RSS / app-ready RSS.
 * `undefined` when no usable baseline was recorded.
 */
export function expansionFactor(
  peakRssBytes: number,
  appReadyRssBytes: number | undefined,
): number | undefined {
  if (appReadyRssBytes === undefined || !(appReadyRssBytes > 0)) return undefined;
  return peakRssBytes / appReadyRssBytes;
}
