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
function builtPackages(): string[] {
  return readdirSync(PACKAGES).filter((name) => existsSync(join(PACKAGES, name, 'src')));
}

/**
 * Throws, naming the package, when a package has no dist/ or a source file newer than its build;
 * otherwise returns the build's fingerprint (see buildFingerprint).
 */
export function assertBuilt(): string {
  for (const name of builtPackages()) {
    const entry = join(PACKAGES, name, 'dist', 'index.cjs');
    if (!existsSync(entry)) {
      throw new Error(`packages/${name} is not built (no dist/index.cjs): run \`pnpm build\` first`);
    }
    if (newestMtime(join(PACKAGES, name, 'src')) > statSync(entry).mtimeMs) {
      throw new Error(`packages/${name}/src is newer than its dist/: run \`pnpm build\` first`);
    }
  }
  return buildFingerprint();
}

/**
 * The newest modification time of every package's dist/: equal fingerprints, the same build. Editing
 * a source during a run does not change what is measured; rebuilding does.
 */
export function buildFingerprint(): string {
  return builtPackages()
    .map((name) => {
      const dist = join(PACKAGES, name, 'dist');
      return `${name}:${existsSync(dist) ? newestMtime(dist) : 'none'}`;
    })
    .join(' ');
}
