import type { Session } from 'node:inspector';

type InspectorModule = typeof import('node:inspector');

/** `node:inspector`, or undefined in runtimes built without it (loaded lazily: importing it must not fail). */
export function loadInspector(): InspectorModule | undefined {
  try {
    const load = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
    const inspector = load?.('node:inspector') as InspectorModule | undefined;
    return typeof inspector?.Session === 'function' ? inspector : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Posts a command on an in-process session and returns its result. In-process sessions answer before `post`
 * returns (V8-FACTS.md), so this is synchronous; nothing is thrown inside the callback (it would be swallowed).
 */
export function postSync<T = unknown>(session: Session, method: string, params?: object): T {
  let settled = false;
  let failure: Error | null = null;
  let value: unknown;
  session.post(method, params ?? {}, (error, result) => {
    settled = true;
    failure = error;
    value = result;
  });
  if (!settled) throw new Error(`the inspector did not answer ${method} synchronously`);
  if (failure) throw failure;
  return value as T;
}
