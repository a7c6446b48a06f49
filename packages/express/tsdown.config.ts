import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  platform: 'node',
  target: 'node20',
  clean: true,
  // CommonJS consumers get `require('@ramflow/x').ramflow` (and `.default`), never a bare function.
  outputOptions: { exports: 'named' },
});
