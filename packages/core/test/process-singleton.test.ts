import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { compatibilityLine, VERSION_MISMATCH_WARNING } from '../src/internal/process-singleton.ts';
import { VERSION } from '../src/version.ts';

/**
 * Two copies of @dynotel/core in one process (a real child process; each copy is this package's
 * sources copied to a temp directory with another VERSION): copies of one compatibility line share
 * the process-wide objects silently, copies of different lines keep their own and the process gets
 * exactly one DYNOTEL_VERSION_MISMATCH warning.
 */

const run = promisify(execFile);
const CORE = join(import.meta.dirname, '..');
const CHILD = join(import.meta.dirname, 'fixtures', 'load-copies.ts');
const temp = mkdtempSync(join(tmpdir(), 'dynotel-core-copies-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** A copy of core's sources that reports `version`; returns its index.ts. */
function copyOfCore(version: string): string {
  const dir = join(temp, version);
  cpSync(join(CORE, 'src'), join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'src', 'version.ts'), `export const VERSION = '${version}';\n`);
  return join(dir, 'src', 'index.ts');
}

interface ChildReport {
  report: Array<{
    sameDiagnostics: boolean;
    sameSelfMetrics: boolean;
    seesRequestContext: boolean;
    brandRecognised: boolean;
  }>;
  warnings: Array<{ name: string; code: string | undefined; message: string }>;
  versions: string[];
}

async function loadCopies(...versions: string[]): Promise<ChildReport> {
  const { stdout } = await run(process.execPath, [
    CHILD,
    join(CORE, 'src', 'index.ts'),
    ...versions.map(copyOfCore),
  ]);
  return JSON.parse(stdout) as ChildReport;
}

describe('process-wide objects across copies of @dynotel/core', () => {
  it('VERSION is the package.json version', () => {
    const manifest = JSON.parse(readFileSync(join(CORE, 'package.json'), 'utf8')) as { version: string };
    expect(VERSION).toBe(manifest.version);
  });

  it('compatibility lines follow the caret rule', () => {
    expect(compatibilityLine('0.1.0')).toBe('0.1');
    expect(compatibilityLine('0.1.9')).toBe('0.1');
    expect(compatibilityLine('0.2.0')).toBe('0.2');
    expect(compatibilityLine('1.4.2')).toBe('1');
    expect(compatibilityLine('1.0.0-rc.1')).toBe('1');
    expect(compatibilityLine('next')).toBe('next');
  });

  it('a copy of the same line shares request context, diagnostics and self-metrics, and warns about nothing', async () => {
    const patch = `${compatibilityLine(VERSION)}.99`;
    const result = await loadCopies(patch);
    expect(result.report).toEqual([
      { sameDiagnostics: true, sameSelfMetrics: true, seesRequestContext: true, brandRecognised: true },
    ]);
    expect(result.warnings).toEqual([]);
    expect(result.versions).toEqual([VERSION, patch]);
  });

  it('copies of other lines keep their own objects; each new line gets one warning naming the versions', async () => {
    const result = await loadCopies('9.0.0', '9.1.0', '0.1.99');
    expect(result.report).toEqual([
      { sameDiagnostics: false, sameSelfMetrics: false, seesRequestContext: false, brandRecognised: true },
      { sameDiagnostics: false, sameSelfMetrics: false, seesRequestContext: false, brandRecognised: true },
      { sameDiagnostics: true, sameSelfMetrics: true, seesRequestContext: true, brandRecognised: true },
    ]);
    // 9.1.0 is on 9.0.0's line and the 0.1.99 copy on the original's: one warning in all.
    expect(result.warnings).toEqual([
      {
        name: 'DynotelWarning',
        code: VERSION_MISMATCH_WARNING,
        message: expect.stringContaining(`@dynotel/core 9.0.0 is loaded next to @dynotel/core ${VERSION}`),
      },
    ]);
  });
});
