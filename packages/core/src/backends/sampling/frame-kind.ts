import { sep } from 'node:path';
import { ramflowPrefixes } from '../../own/code.js';
import type { FrameKind } from '../../types.js';

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
