/**
 * Runs the official W3C Trace Context test harness (w3c-trace-context/, copied unchanged) against a
 * service and reads its verdict per test from unittest's verbose output.
 */
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HARNESS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'w3c-trace-context');
/** Debian's interpreter, which has aiohttp once python3-aiohttp is installed (.ci/run installs it). */
export const PYTHON = '/usr/bin/python3';

export type Verdict = 'ok' | 'FAIL' | 'ERROR' | 'skipped' | 'expected failure' | 'unexpected success';

export interface HarnessRun {
  /** Test method name → verdict. */
  readonly verdicts: ReadonlyMap<string, Verdict>;
  /** "Ran N tests". */
  readonly ran: number;
  readonly output: string;
}

/** Whether `PYTHON` can import aiohttp (the harness needs nothing else). */
export function harnessRuntimeAvailable(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import aiohttp'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function runHarness(
  serviceUrl: string,
  options: { specLevel: number; strictLevel: number; harnessPort: number },
): Promise<HarnessRun> {
  return new Promise((resolve, reject) => {
    execFile(
      PYTHON,
      ['test.py', serviceUrl],
      {
        cwd: HARNESS_DIR,
        timeout: 120_000,
        env: {
          ...process.env,
          SPEC_LEVEL: String(options.specLevel),
          STRICT_LEVEL: String(options.strictLevel),
          HARNESS_HOST: '127.0.0.1',
          HARNESS_PORT: String(options.harnessPort),
          // No __pycache__ in the copied folder.
          PYTHONDONTWRITEBYTECODE: '1',
        },
      },
      (error, stdout, stderr) => {
        const output = `${stdout}\n${stderr}`;
        const ran = /^Ran (\d+) tests?/m.exec(output);
        // A failing test exits 1: that is a verdict, not an error of the run.
        if (ran === null) {
          reject(new Error(`the W3C harness did not run: ${error?.message ?? ''}\n${output}`));
          return;
        }
        resolve({ verdicts: parseVerdicts(output), ran: Number(ran[1]), output });
      },
    );
  });
}

/**
 * unittest -v prints `test_name (__main__.Class.test_name)`, then (Python ≥ 3.11, for a test with a
 * docstring) the docstring's first line, and `... ok` / `... FAIL` / `... ERROR` / `... skipped 'why'`.
 */
export function parseVerdicts(output: string): Map<string, Verdict> {
  const verdicts = new Map<string, Verdict>();
  let current: string | undefined;
  for (const line of output.split('\n')) {
    const name = /^(test_\w+) \(/.exec(line);
    if (name !== null) current = name[1];
    const verdict = / \.\.\. (ok|FAIL|ERROR|skipped|expected failure|unexpected success)\b/.exec(line);
    if (verdict !== null && current !== undefined) {
      verdicts.set(current, verdict[1] as Verdict);
      current = undefined;
    }
  }
  return verdicts;
}
