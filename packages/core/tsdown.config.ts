import { defineConfig } from 'tsdown';
import { packageBuild } from '../../tsdown.base.ts';

export default defineConfig({
  ...packageBuild,
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts' },
  // Templates are found relative to the module at run time; the CommonJS build needs import.meta.url shimmed.
  shims: true,
});
