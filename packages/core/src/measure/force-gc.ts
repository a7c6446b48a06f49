import v8 from 'node:v8';
import vm from 'node:vm';

let cached: (() => void) | undefined;

/**
 * A function that runs a full garbage collection. Uses `global.gc` when the process was started with
 * `--expose-gc`; otherwise enables the flag at run time and takes `gc` from a fresh context (V8-FACTS.md).
 */
export function getForceGc(): () => void {
  if (cached) return cached;
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === 'function') {
    cached = existing;
    return cached;
  }
  v8.setFlagsFromString('--expose-gc');
  cached = vm.runInNewContext('gc') as () => void;
  return cached;
}
