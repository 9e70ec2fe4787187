/**
 * The user-setup suites run dynotel's BUILT packages (dist/), as a service installs them. A build older
 * than any source file would measure yesterday's code, so the runner refuses to start; a build that
 * changes during a run would mix two versions in one table, so the runner stops before the next suite.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGES = fileURLToPath(new URL('../../packages/', import.meta.url));

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** The packages that have sources (and so a build to measure). */
function builtPackages(packages: string): string[] {
  return readdirSync(packages).filter((name) => existsSync(join(packages, name, 'src')));
}

/**
 * Throws, naming the package (of the repository's packages/, or of `packages` in a test), when a package has no dist/ or a source file newer than its build;
 * otherwise returns the build's fingerprint (see buildFingerprint).
 */
export function assertBuilt(packages: string = PACKAGES): string {
  for (const name of builtPackages(packages)) {
    const entry = join(packages, name, 'dist', 'index.cjs');
    if (!existsSync(entry)) {
      throw new Error(`packages/${name} is not built (no dist/index.cjs): run \`pnpm build\` first`);
    }
    if (newestMtime(join(packages, name, 'src')) > statSync(entry).mtimeMs) {
      throw new Error(`packages/${name}/src is newer than its dist/: run \`pnpm build\` first`);
    }
  }
  return buildFingerprint(packages);
}

/**
 * The newest modification time of every package's dist/: equal fingerprints, the same build. Editing
 * a source during a run does not change what is measured; rebuilding does.
 */
export function buildFingerprint(packages: string = PACKAGES): string {
  return builtPackages(packages)
    .map((name) => {
      const dist = join(packages, name, 'dist');
      return `${name}:${existsSync(dist) ? newestMtime(dist) : 'none'}`;
    })
    .join(' ');
}
