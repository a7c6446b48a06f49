import type { UserConfig } from 'tsdown';

/** Rolldown output options every @ramflow package shares. */
export const packageOutput = {
  // CommonJS consumers get `require('@ramflow/x').name` (and `.default`), never a bare function.
  exports: 'named',
  // The maps name the sources (`../src/…`, published with the package) rather than embed them.
  sourcemapExcludeSources: true,
} as const;

/** What every @ramflow package builds: ESM + CommonJS with declarations, for Node 20. */
export const packageBuild: UserConfig = {
  format: ['esm', 'cjs'],
  // Source maps for the JavaScript and the declarations, pointing into the package's own `src` (published with
  // it): stack traces under `--enable-source-maps`, debuggers and "go to definition" land in the TypeScript.
  dts: { sourcemap: true },
  sourcemap: true,
  platform: 'node',
  target: 'node20',
  clean: true,
  outputOptions: packageOutput,
};
