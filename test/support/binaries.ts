import { execFileSync } from 'node:child_process';

/**
 * Locates a binary that CI installs (Debian's prometheus, promtool, amtool). Outside CI a missing
 * binary skips the test that needs it; in CI (CI set) it is a failure, never a silent skip.
 */
export function findBinary(name: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export function requireBinaryInCi(name: string): string | undefined {
  const path = findBinary(name);
  if (path === undefined && process.env.CI) {
    throw new Error(
      `${name} is not installed, and CI is set: .ci/run must install it (apt-get install prometheus)`,
    );
  }
  return path;
}
