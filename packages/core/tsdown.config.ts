import { defineConfig } from 'tsdown';
import { packageBuild } from '../../tsdown.base.ts';

export default defineConfig({
  ...packageBuild,
  // The snapshot worker is its own entry: HeapSnapshotService starts it by file, next to the module that does.
  entry: {
    index: 'src/index.ts',
    testing: 'src/testing/index.ts',
    internal: 'src/internal.ts',
    'snapshot-worker': 'src/backends/heap-snapshot/snapshot-worker.ts',
    register: 'src/preload/register.ts',
    'register-hooks': 'src/preload/register-hooks.ts',
  },
  // Templates are found relative to the module at run time; the CommonJS build needs import.meta.url shimmed.
  shims: true,
});
