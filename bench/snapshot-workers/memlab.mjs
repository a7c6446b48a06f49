// @memlab/core's leg of bench/snapshot-parse.mjs. Its own way to do the task: the "before" snapshot through its
// lightweight node-id loader (what memlab's leak finder uses for the baseline), the "after" snapshot through the
// full load that `getFullHeapFromFile` of @memlab/heap-analysis does (parse, then shortest paths, dominators and
// retained sizes via `analysis.preparePathFinder`), then per-node id, type, name, self/retained size and dominator.
import memlab from '@memlab/core';
import { afterPath, beforePath, className, groupNewObjects, isNewId, now, writeResult } from './common.mjs';

const { analysis, config, utils } = memlab;
config.muteConsole = true;

const began = now();
const beforeIds = await utils.getSnapshotNodeIdsFromFile(beforePath, {});
let beforeMaxId = 0;
beforeIds.forEach((id) => {
  if (id % 2 === 1 && id > beforeMaxId) beforeMaxId = id;
});
const scanned = now();
const heap = await utils.getSnapshotFromFile(afterPath, { buildNodeIdIndex: true });
analysis.preparePathFinder(heap);
const parsed = now();
const nodes = [];
heap.nodes.forEach((node) => {
  if (!isNewId(node.id, beforeMaxId)) return;
  nodes.push({
    id: node.id,
    key: className(node.type, node.name),
    self: node.self_size,
    retained: node.retainedSize,
    *dominatorIds() {
      let current = node.dominatorNode;
      while (current !== null && current.id !== 0 && current.id !== node.id) {
        yield current.id;
        const next = current.dominatorNode;
        if (next !== null && next.id === current.id) return;
        current = next;
      }
    },
  });
});
const groups = groupNewObjects(nodes);
const ms = now() - began;
writeResult({
  ms,
  beforeMaxId,
  groups,
  extra: {
    nodeCount: heap.nodes.length,
    phases: { before: scanned - began, after: parsed - scanned, diff: began + ms - parsed },
  },
});
