import type { MemoryBackend } from '../../types.js';
import { loadInspector } from '../inspector/inspector.js';

/**
 * The `heap-snapshot` backend: heap snapshots before and after every profiled request (ramflow's snapshot
 * service does the work; with other backends a single request asks for it with `?ramflow=snapshot`). Adds no
 * window of its own; the snapshot requests run one at a time.
 */
export class HeapSnapshotBackend implements MemoryBackend {
  readonly name = 'heap-snapshot' as const;

  constructor(readonly reason: string) {}

  open(): undefined {
    return undefined;
  }

  close(): void {}
}

/** Why heap snapshots cannot be taken in this runtime, or undefined when they can. */
export function heapSnapshotsUnavailable(): string | undefined {
  const inspector = loadInspector();
  if (inspector === undefined) return 'node:inspector is not available in this runtime';
  if (typeof inspector.Session.prototype.connectToMainThread !== 'function')
    return 'node:inspector cannot connect a worker thread to the main thread in this runtime';
  return undefined;
}
