// ramflow's leg of bench/snapshot-parse.mjs: `scanHeapSnapshotFile` over the "before" snapshot (its highest JS
// object id only), `parseHeapSnapshotFile` over the "after" one, then `diffNewObjects` (grouping, self, retained
// and native sizes, retainer paths for the top groups).
//
// It uses the built @ramflow/core (what users get): `npm run bench` builds first; run `npm run build` before
// running this benchmark on its own.
import { diffNewObjects, parseHeapSnapshotFile, scanHeapSnapshotFile } from '@ramflow/core/internal';
import { afterPath, beforePath, now, writeResult } from './common.mjs';

const from = '@ramflow/core (dist)';
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
