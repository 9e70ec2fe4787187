/**
 * The user-setup suites run dynotel's BUILT packages (dist/), as a service installs them. A build older
 * than any source file would measure yesterday's code, so they refuse to start instead.
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

/** Throws, naming the package, when a package has no dist/ or a source file newer than its build. */
export function assertBuilt(): void {
  for (const name of readdirSync(PACKAGES)) {
    const src = join(PACKAGES, name, 'src');
    const entry = join(PACKAGES, name, 'dist', 'index.cjs');
    if (!existsSync(src)) continue;
    if (!existsSync(entry)) {
      throw new Error(`packages/${name} is not built (no dist/index.cjs): run \`pnpm build\` first`);
    }
    if (newestMtime(src) > statSync(entry).mtimeMs) {
      throw new Error(`packages/${name}/src is newer than its dist/: run \`pnpm build\` first`);
    }
  }
}
