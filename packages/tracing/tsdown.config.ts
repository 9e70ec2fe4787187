import { defineConfig } from 'tsdown';
import { packageBuild } from '../../tsdown.base.ts';

// Declarations are built from src only: with the package tsconfig (src + test) the dts step also
// emitted a .d.ts next to test/support/otlp-receiver.ts, which the tests import.
export default defineConfig({
  ...packageBuild({ index: 'src/index.ts', testing: 'src/testing/index.ts' }),
  tsconfig: 'tsconfig.build.json',
});
