// ramflow's leg of bench/snapshot-parse.mjs: `scanHeapSnapshotFile` over the "before" snapshot (its highest JS
// object id only), `parseHeapSnapshotFile` over the "after" one, then `diffNewObjects` (grouping, self, retained
// and native sizes, retainer paths for the top groups).
//
// It takes the helpers from the built @ramflow/core when its index exports them (what users get), and otherwise
// from packages/core/src/snapshot/*.ts through tsx, registered only then. The result says which.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterPath, beforePath, now, writeResult } from './common.mjs';

/** The built package, when its index exports the helpers (read first, so a build without them costs no import). */
async function loadBuilt() {
  try {
    const entry = fileURLToPath(import.meta.resolve('@ramflow/core'));
    if (!/\bparseHeapSnapshotFile\b/.test(readFileSync(entry, 'utf8'))) return undefined;
    const core = await import('@ramflow/core');
    if (typeof core.parseHeapSnapshotFile === 'function' && typeof core.diffNewObjects === 'function')
      return { ...core, from: '@ramflow/core (dist)' };
  } catch {
    // not built: fall back to the source
  }
  return undefined;
}

async function load() {
  const built = await loadBuilt();
  if (built !== undefined) return built;
  const src = new URL('../../packages/core/src/snapshot/', import.meta.url);
  try {
    const { register } = await import('tsx/esm/api');
    register();
    const parser = {
      ...(await import(new URL('parser.ts', src).href)),
      ...(await import(new URL('id-scanner.ts', src).href)),
    };
    const diff = await import(new URL('heap-diff.ts', src).href);
    return { ...parser, ...diff, from: 'packages/core/src/snapshot (source, tsx)' };
  } catch (error) {
    console.error(
      `ramflow leg: cannot load parseHeapSnapshotFile / scanHeapSnapshotFile / diffNewObjects from @ramflow/core ` +
        `or packages/core/src/snapshot/{parser,heap-diff}.ts (${error.message.split('\n')[0]})`,
    );
    process.exit(3);
  }
}

const { scanHeapSnapshotFile, parseHeapSnapshotFile, diffNewObjects, from } = await load();
const began = now();
const { maxJsObjectId } = await scanHeapSnapshotFile(beforePath);
const scanned = now();
const graph = await parseHeapSnapshotFile(afterPath);
const parsed = now();
const diff = diffNewObjects(graph, maxJsObjectId);
const ms = now() - began;
const groups = diff.newObjects
  .map((group) => ({
    name: group.constructorName,
    count: group.count,
    selfBytes: group.selfBytes,
    retainedBytes: group.retainedBytes,
  }))
  .sort((a, b) => b.count - a.count);
writeResult({
  ms,
  beforeMaxId: maxJsObjectId,
  groups,
  extra: {
    nodeCount: graph.nodeCount,
    from,
    phases: { before: scanned - began, after: parsed - scanned, diff: began + ms - parsed },
    totals: { count: diff.totals.count, selfBytes: diff.totals.selfBytes },
  },
});
