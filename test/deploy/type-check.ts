import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './support.ts';

const run = promisify(execFile);
const TSC = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** The absolute path of a module under the repo's node_modules, for an `import type` from a temp dir. */
export function moduleUnderRoot(specifier: string): string {
  return join(REPO_ROOT, 'node_modules', specifier);
}

/**
 * Type-checks a TypeScript source (strict, in a temp directory outside every tsconfig) and returns
 * tsc's diagnostics, or '' when it is clean. Used to check JSON/YAML documents against interfaces
 * generated from their schemas: an object literal gets TypeScript's excess-property check at every
 * depth, which names fields a schema does not define.
 */
export async function typeCheck(source: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'dynotel-type-check-'));
  try {
    const file = join(dir, 'documents.ts');
    writeFileSync(file, source);
    const args = [
      TSC,
      '--noEmit',
      '--strict',
      '--skipLibCheck',
      '--module',
      'nodenext',
      '--target',
      'es2022',
    ];
    await run(process.execPath, [...args, '--types', '', file], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
    return '';
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    return `${stdout ?? ''}${stderr ?? ''}`.trim() || String(error);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
