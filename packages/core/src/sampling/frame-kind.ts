import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FrameKind } from '../types.js';

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

/**
 * Packages through which ramflow hooks into every response (`on-headers` wraps `writeHead` for the Express and
 * Koa adapters): their frames sit on the stack of the app's own response writing because ramflow put them there.
 * Another middleware using the same package (morgan, response-time) shares the label; hiding ramflow's frames
 * keeps their bytes in the callers either way.
 */
const HOOK_PACKAGES = ['/node_modules/on-headers/'];

/**
 * Who a frame belongs to. ramflow's own packages are recognised by location (this package's siblings, or any
 * `node_modules/@ramflow/` path), and so are the hook packages it installs; `node:` URLs and frames without a
 * script are Node.js / V8 internals.
 */
export function classifyFrame(url: string, name: string): FrameKind {
  if (url === '') return name.startsWith('ramflow') ? 'ramflow' : 'node';
  if (url.startsWith('node:')) return 'node';
  if (url.includes('/node_modules/@ramflow/')) return 'ramflow';
  if (HOOK_PACKAGES.some((hook) => url.includes(hook))) return 'ramflow';
  const comparable = sep === '\\' ? url.toLowerCase() : url;
  for (const prefix of ramflowPrefixes()) if (comparable.startsWith(prefix)) return 'ramflow';
  if (url.includes('/node_modules/')) return 'dependency';
  return 'app';
}
