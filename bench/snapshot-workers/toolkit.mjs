// heap-snapshot-toolkit's leg of bench/snapshot-parse.mjs (DevTools' own loader, which computes distances,
// dominators and retained sizes while it builds the snapshot). It has no lighter loader, so the "before" snapshot
// gets its normal `parse` too (dropped before the "after" one is read, as its `diffFromStreams` does); then
// per-node id, type, name, self/retained size and dominator through its node API.
import { createReadStream } from 'node:fs';
import { parse } from 'heap-snapshot-toolkit';
import { afterPath, beforePath, className, groupNewObjects, isNewId, now, writeResult } from './common.mjs';

const began = now();
let before = await parse(createReadStream(beforePath, 'utf-8'));
let beforeMaxId = 0;
for (let it = before.allNodes(); it.hasNext(); it.next()) {
  const id = it.node.id();
  if (id % 2 === 1 && id > beforeMaxId) beforeMaxId = id;
}
before = undefined;
const scanned = now();
const heap = await parse(createReadStream(afterPath, 'utf-8'));
const parsed = now();
const nodes = [];
const rootIndex = heap.rootNodeIndex;
for (let it = heap.allNodes(); it.hasNext(); it.next()) {
  const node = it.node;
  const id = node.id();
  if (!isNewId(id, beforeMaxId)) continue;
  const nodeIndex = node.nodeIndex;
  nodes.push({
    id,
    key: className(node.type(), node.rawName()),
    self: node.selfSize(),
    retained: node.retainedSize(),
    *dominatorIds() {
      const walker = heap.createNode(nodeIndex);
      for (let index = walker.dominatorIndex(); index !== rootIndex; index = walker.dominatorIndex()) {
        if (index === walker.nodeIndex) return;
        walker.nodeIndex = index;
        yield walker.id();
      }
    },
  });
}
const groups = groupNewObjects(nodes);
const ms = now() - began;
writeResult({
  ms,
  beforeMaxId,
  groups,
  extra: {
    nodeCount: heap.nodeCount,
    phases: { before: scanned - began, after: parsed - scanned, diff: began + ms - parsed },
  },
});
