/** Messages between HeapSnapshotService (main thread) and snapshot-worker.ts. Plain structured-clone data. */
import type { HeapObjectsDiff } from '../../types.js';

export type WorkerRequest =
  /** Take the "before" snapshot: only its highest JS object id is kept (and the file, when `file` is set). */
  | { op: 'before'; id: string; file?: string }
  /** Take the "after" snapshot, parse it, and diff it against the before snapshot's highest JS object id. */
  | { op: 'after'; id: string; file?: string; beforeMaxJsObjectId: number; ownCode: string[] }
  /** The window will not be ended (its request never ran): disconnect from the main thread. No reply. */
  | { op: 'release'; id: string };

export type WorkerReply =
  | { op: 'before'; id: string; ms: number; bytes: number; maxJsObjectId: number }
  /** The after snapshot is taken: the main thread runs freely again while the worker analyses it. */
  | { op: 'taken'; id: string; ms: number; bytes: number }
  | {
      op: 'after';
      id: string;
      diff: Pick<
        HeapObjectsDiff,
        'newObjects' | 'totals' | 'omitted' | 'notes' | 'ownObjects' | 'engineObjects'
      >;
      nodes: number;
      edges: number;
      analysisMs: number;
    }
  | { op: 'error'; id: string; stage: 'before' | 'after'; message: string };
