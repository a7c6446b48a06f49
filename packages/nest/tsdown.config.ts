import { defineConfig } from 'tsdown';
import { packageBuild, packageOutput } from '../../tsdown.base.ts';

export default defineConfig({
  ...packageBuild,
  entry: { index: 'src/index.ts' },
  outputOptions: {
    ...packageOutput,
    // The platform adapters (optional peers) are loaded with `import()` when needed. The CommonJS build must
    // `require` them instead: `import()` would load their ESM builds, and with them a second @ramflow/core.
    dynamicImportInCjs: false,
  },
});
