import { defineConfig } from 'tsdown';
import { packageBuild } from '../../tsdown.base.ts';

export default defineConfig({ ...packageBuild, entry: { index: 'src/index.ts' } });
