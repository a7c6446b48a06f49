// The folder-level import graph of packages/core/src, and its cycles.
//
//   node scripts/layout.mjs            # prints each folder's imports and any cycle; exits 1 on a cycle
//
// A node is a folder (a file's directory relative to src, e.g. `backends/sampling`) or, for files directly in
// src, the file itself (`ramflow.ts`, `types.ts`): the root holds the entry points and shared leaves, and
// lumping them into one node would make every folder that imports `types.ts` look circular. Every import
// counts, `import type` included: a type-only cycle is still two folders that cannot be read apart.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function sourceFiles(dir) {
  const files = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path));
    else if (name.endsWith('.ts')) files.push(path);
  }
  return files;
}

/** The node a source file belongs to. */
function nodeOf(src, file) {
  const rel = relative(src, file);
  const dir = dirname(rel);
  return dir === '.' ? rel : dir;
}

/** Edges between nodes: Map<from, Map<to, Array<[fromFile, toFile]>>>. */
export function folderGraph(src) {
  const edges = new Map();
  for (const file of sourceFiles(src)) {
    const from = nodeOf(src, file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const spec = match[1] ?? match[2];
      const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
      const to = nodeOf(src, target);
      if (to === from) continue;
      if (!edges.has(from)) edges.set(from, new Map());
      const targets = edges.get(from);
      if (!targets.has(to)) targets.set(to, []);
      targets.get(to).push([relative(src, file), relative(src, target)]);
    }
  }
  return edges;
}

/** Strongly connected components with more than one node (Tarjan). */
export function cycles(edges) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  let next = 0;
  const nodes = new Set([...edges.keys(), ...[...edges.values()].flatMap((t) => [...t.keys()])]);
  const visit = (node) => {
    index.set(node, next);
    low.set(node, next);
    next++;
    stack.push(node);
    onStack.add(node);
    for (const to of edges.get(node)?.keys() ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node), low.get(to)));
      } else if (onStack.has(to)) low.set(node, Math.min(low.get(node), index.get(to)));
    }
    if (low.get(node) === index.get(node)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of [...nodes].sort()) if (!index.has(node)) visit(node);
  return found;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const src = fileURLToPath(new URL('../packages/core/src', import.meta.url));
  const edges = folderGraph(src);
  for (const [from, targets] of [...edges].sort())
    console.log(`${from} -> ${[...targets.keys()].sort().join(', ')}`);
  const found = cycles(edges);
  for (const component of found) {
    console.log(`\ncycle: ${component.join(' <-> ')}`);
    for (const from of component)
      for (const [to, pairs] of edges.get(from) ?? [])
        if (component.includes(to)) for (const [a, b] of pairs) console.log(`  ${a} -> ${b}`);
  }
  if (found.length > 0) process.exit(1);
  console.log('\nno folder-level import cycles');
}
