/**
 * ramflow's own Node objects that Node itself also holds from native code (an inspector session is held by its
 * connection while connected): a heap snapshot reaches them through Node, not through ramflow, so the diff could
 * not tell they are ramflow's. They are registered here (weakly), and the heap-snapshot service lists the live ones
 * under a global symbol while the after snapshot is taken (see own-objects.ts).
 */
const handles = new Set<WeakRef<object>>();

/** Registers `handle` as ramflow's own; returns it. */
export function ownHandle<T extends object>(handle: T): T {
  for (const ref of handles) if (ref.deref() === undefined) handles.delete(ref);
  handles.add(new WeakRef(handle));
  return handle;
}

/** The registered handles still alive. */
export function liveOwnHandles(): object[] {
  const live: object[] = [];
  for (const ref of handles) {
    const handle = ref.deref();
    if (handle === undefined) handles.delete(ref);
    else live.push(handle);
  }
  return live;
}
