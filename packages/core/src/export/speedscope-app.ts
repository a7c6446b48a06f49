import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';

/**
 * speedscope's prebuilt app (the `speedscope` npm package's `dist/release`), served under `{basePath}/speedscope/`
 * when the app has the package installed, so "Open in speedscope" works offline and the profile never leaves the
 * machine. ramflow does not depend on it: without the package the link is not offered.
 */
let cached: string | null | undefined;

/** The folder of speedscope's prebuilt app, or undefined when the package is not installed. */
export function speedscopeDir(): string | undefined {
  if (cached === undefined) {
    cached = null;
    try {
      const require = createRequire(import.meta.url);
      const dir = join(dirname(require.resolve('speedscope/package.json')), 'dist', 'release');
      if (existsSync(join(dir, 'index.html'))) cached = dir;
    } catch {}
  }
  return cached ?? undefined;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * speedscope styles itself with injected `<style>` elements and compiles WebAssembly, so its pages get their own
 * policy: scripts and everything else only from this origin.
 */
export const SPEEDSCOPE_CSP =
  "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** One file of the app (`index.html` for the folder itself), or undefined for an unknown or unsafe name. */
export function speedscopeFile(name: string): { type: string; body: Buffer } | undefined {
  const dir = speedscopeDir();
  const file = name === '' ? 'index.html' : name;
  // The release folder is flat: plain file names only, no traversal.
  if (dir === undefined || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(file)) return undefined;
  const type = TYPES[extname(file)];
  const path = join(dir, file);
  if (type === undefined || !existsSync(path)) return undefined;
  return { type, body: readFileSync(path) };
}
