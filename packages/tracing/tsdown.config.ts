import { defineConfig } from 'tsdown';
import { packageBuild } from '../../tsdown.base.ts';

export default defineConfig(
  packageBuild({ index: 'src/index.ts', testing: 'src/testing/index.ts', internal: 'src/internal.ts' }),
);
