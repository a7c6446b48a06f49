// Shared by the per-tool children of bench/snapshot-parse.mjs. Every child does the same task: learn which
// objects existed from the "before" snapshot, load the "after" snapshot, and group the new live objects (odd,
// i.e. JS heap, ids above the before snapshot's highest) by class with count, self size and retained size.
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export const [beforePath, afterPath, outPath] = process.argv.slice(2);
if (outPath === undefined) {
  console.error('usage: node <child>.mjs <before.heapsnapshot> <after.heapsnapshot> <result.json>');
  process.exit(2);
}

/**
 * A node's class as DevTools' summary view groups it, with ramflow's one change (packages/core/src/backends/heap-snapshot/
 * class-name.ts): objects and native objects by their name, everything else by type, the string kinds as one
 * `(string)`.
 */
export function className(type, name) {
  switch (type) {
    case 'object':
    case 'native':
    case 'synthetic':
      return name;
    case 'hidden':
      return '(system)';
    case 'code':
      return '(compiled code)';
    case 'concatenated string':
    case 'sliced string':
      return '(string)';
    default:
      return `(${type})`;
  }
}

export const isNewId = (id, beforeMaxId) => id % 2 === 1 && id > beforeMaxId;

/**
 * Groups the new objects. `nodes` are the new objects as `{ id, key, self, retained, dominatorIds }`, where
 * `dominatorIds()` walks the node's dominator chain (ids, root excluded). A group's retained size counts an object
 * held only through another member of its group once (as ramflow and DevTools' class retained size do): members
 * dominated by a member of their own group add nothing.
 */
export function groupNewObjects(nodes) {
  const keyOfId = new Map();
  for (const node of nodes) keyOfId.set(node.id, node.key);
  const groups = new Map();
  for (const node of nodes) {
    let group = groups.get(node.key);
    if (group === undefined) {
      group = { name: node.key, count: 0, selfBytes: 0, retainedBytes: 0 };
      groups.set(node.key, group);
    }
    group.count++;
    group.selfBytes += node.self;
    let nested = false;
    for (const id of node.dominatorIds()) {
      if (keyOfId.get(id) === node.key) {
        nested = true;
        break;
      }
    }
    if (!nested) group.retainedBytes += node.retained;
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}

/** Writes the child's result with its own peak RSS (the whole process, module loading included). */
export function writeResult({ ms, beforeMaxId, groups, extra = {} }) {
  const maxRssBytes = process.resourceUsage().maxRSS * 1024;
  const totals = { count: 0, selfBytes: 0 };
  for (const group of groups) {
    totals.count += group.count;
    totals.selfBytes += group.selfBytes;
  }
  writeFileSync(outPath, JSON.stringify({ ms, maxRssBytes, beforeMaxId, totals, groups, ...extra }));
}

export const now = () => performance.now();
