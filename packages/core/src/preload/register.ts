/**
 * The @ramflow/core/register preload:
 *   node --import @ramflow/core/register app.js     (ESM)
 *   node --require @ramflow/core/register app.js    (CommonJS)
 * Records the footprint before the app loads, measures what each top-level package costs to load (CommonJS via
 * `Module.prototype.load`, ESM via loader hooks that mark each module's evaluation) and the footprint when a
 * server first listens, after which the hooks stand down. Read it with `bootstrapReport()`.
 * Worker threads (including the loader-hooks thread) are left alone.
 * `RAMFLOW_BOOTSTRAP_GC_MS` sets the forced-GC budget (default 2000 ms; 0 = no forced GCs, raw heap figures).
 */
import Module, { register } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { DEFAULT_GC_BUDGET_MS, startPreload } from './bootstrap.js';

export type { BootstrapReport, Footprint, PackageCost } from '../types.js';
export { bootstrapReport } from './bootstrap.js';

function gcBudgetMs(): number {
  const value = Number(process.env.RAMFLOW_BOOTSTRAP_GC_MS);
  return process.env.RAMFLOW_BOOTSTRAP_GC_MS !== undefined && Number.isFinite(value) && value >= 0
    ? value
    : DEFAULT_GC_BUDGET_MS;
}

/** The hooks module next to this one: `.ts` when run from source, `.mjs` from the build (both builds). */
function hooksUrl(): URL {
  const self = import.meta.url;
  return new URL(self.endsWith('.ts') ? './register-hooks.ts' : './register-hooks.mjs', self);
}

function install(): void {
  // The loader-hooks thread (and any worker) gets --require / --import preloads too: only the main thread is measured.
  if (!isMainThread) return;
  const self = fileURLToPath(import.meta.url);
  const tracker = startPreload({ gcBudgetMs: gcBudgetMs(), ownDir: `${dirname(self)}/` });
  if (!tracker) return;

  const proto = (Module as unknown as { prototype: { load(this: unknown, filename: string): unknown } })
    .prototype;
  const originalLoad = proto.load;
  const patchedLoad = function load(this: unknown, filename: string): unknown {
    const frame = tracker.enterCjs(filename);
    try {
      return originalLoad.call(this, filename);
    } finally {
      if (frame) tracker.exitCjs(frame);
    }
  };
  proto.load = patchedLoad;
  tracker.whenStopped(() => {
    if (proto.load === patchedLoad) proto.load = originalLoad;
  });

  try {
    register(hooksUrl(), import.meta.url);
  } catch {
    // Without loader hooks, ESM packages are not measured; CommonJS ones still are.
  }
}

install();
