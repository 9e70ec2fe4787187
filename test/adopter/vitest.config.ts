import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The adopter suite: the packed tarballs of every package, installed with plain npm into apps outside
// the workspace, run as real processes (see test/adopter/README.md). Not the `@dynotel/source`
// condition: the apps load dist/ exactly as an adopter's service would.
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    name: 'adopter',
    include: ['test/adopter/**/*.test.ts'],
    globalSetup: ['test/adopter/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
