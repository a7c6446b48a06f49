/**
 * V8 numbers heap objects for snapshots (odd ids, increasing), and a snapshot diff tells new objects by those ids.
 * But any inspector session that disables its heap profiler (`HeapProfiler.disable`, or disconnecting) makes V8
 * forget every id: the next snapshot numbers the heap afresh, and a diff across it marks random objects new and
 * misses the request's (seen: the 5,000 objects a route kept, gone from the diff, when ramflow's idle sampler
 * switched itself off between the two snapshots). So while a snapshot window is open, ramflow's own sessions do not
 * disable the heap profiler: the window holds a lease, and they wait for it to end. (An attached DevTools that
 * disables its heap profiler meanwhile still resets the ids; nothing here can prevent that.)
 */
const LEASES = Symbol.for('ramflow.object-id-leases');

interface Leases {
  count: number;
}

/** Process-wide, so that every copy of ramflow in the process sees the same leases. */
function leases(): Leases {
  const slot = globalThis as unknown as Record<symbol, Leases | undefined>;
  slot[LEASES] ??= { count: 0 };
  return slot[LEASES];
}

/** Takes a lease on V8's object ids; the returned function ends it (idempotent). */
export function holdObjectIds(): () => void {
  const held = leases();
  held.count++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    held.count--;
  };
}

/** Whether a snapshot window needs V8's object ids kept: no heap profiler may be disabled now. */
export function objectIdsHeld(): boolean {
  return leases().count > 0;
}
