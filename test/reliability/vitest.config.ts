import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The reliability suite: load, faults, hostile input and soak, against the TypeScript sources (the
// `@dynotel/source` condition, as the root config). Kept out of the `e2e` project because it takes
// minutes; `RELIABILITY_SHORT=1` runs the CI-sized version (see docs/reliability.md).
const conditions = ['@dynotel/source', 'module', 'node', 'development|production'];
const short = process.env.RELIABILITY_SHORT === '1';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    name: 'reliability',
    include: ['test/reliability/**/*.test.ts'],
    // Load and fault tests measure latency and count drops: one file at a time on the shared cores.
    fileParallelism: false,
    testTimeout: short ? 120_000 : 600_000,
    hookTimeout: 60_000,
  },
});
