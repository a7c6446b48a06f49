import type { UserConfig } from 'tsdown';

/** What every @ramflow package builds: ESM + CommonJS with declarations, for Node 20. */
export const packageBuild: UserConfig = {
  format: ['esm', 'cjs'],
  dts: true,
  platform: 'node',
  target: 'node20',
  clean: true,
  // CommonJS consumers get `require('@ramflow/x').name` (and `.default`), never a bare function.
  outputOptions: { exports: 'named' },
};
