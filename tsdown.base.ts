// Shared build settings: every package ships ESM + CJS with declarations, for Node >= 22.15.
import type { UserConfig } from 'tsdown';

export function packageBuild(entry: Record<string, string> = { index: 'src/index.ts' }): UserConfig {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    platform: 'node',
    target: 'node22.15',
    sourcemap: true,
    unbundle: false,
    // Declarations from src only: the package tsconfig also covers test/, whose imports of shared test
    // support would otherwise get .d.ts files emitted beside them.
    tsconfig: 'tsconfig.build.json',
  };
}
