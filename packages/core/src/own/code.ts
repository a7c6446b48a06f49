import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Where ramflow's own code lives: the sampling profile classifies its frames as `ramflow`, and the heap-snapshot
 * diff leaves out the objects its closures hold.
 */
const ADAPTERS = ['core', 'express', 'fastify', 'koa', 'nest'];

/** The directory of `@ramflow/core`'s package.json, found by walking up from this module. */
function coreRoot(): string | undefined {
  try {
    let dir = dirname(fileURLToPath(import.meta.url));
    for (let i = 0; i < 6; i++) {
      const manifest = join(dir, 'package.json');
      if (existsSync(manifest)) {
        const name = (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name;
        if (name === '@ramflow/core') return dir;
      }
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  } catch {
    // Classification then falls back to the `@ramflow/` path rule alone.
  }
  return undefined;
}

let prefixes: string[] | undefined;

/** URL prefixes of ramflow's own packages: core and its sibling adapters (monorepo or node_modules/@ramflow). */
export function ramflowPrefixes(): string[] {
  if (prefixes) return prefixes;
  const root = coreRoot();
  prefixes = [];
  if (root !== undefined) {
    const parent = dirname(root);
    for (const name of ADAPTERS) prefixes.push(`${pathToFileURL(join(parent, name)).href}/`);
    if (sep === '\\') prefixes = prefixes.map((p) => p.toLowerCase());
  }
  return prefixes;
}
