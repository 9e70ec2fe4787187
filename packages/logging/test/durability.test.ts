import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'exit-child.ts');
const children = new Set<ChildProcess>();

afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
});

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderrLines: () => Array<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(scenario: string, options: { readStdout?: boolean } = {}): Run {
  const child = spawn(process.execPath, ['--conditions=@dynotel/source', '--expose-gc', FIXTURE, scenario], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  if (options.readStdout !== false) child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    stdout: () => stdout,
    stderrLines: () =>
      stderr
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    exited,
  };
}

async function waitFor<T>(check: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting for the child');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Parses every stdout line (each must be JSON) and checks `seq` runs 0..n-1 without a gap. */
function parseAll(stdout: string): Array<Record<string, unknown>> {
  expect(stdout.endsWith('\n')).toBe(true);
  const records = stdout
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const seqs = records.filter((r) => r.message === 'line').map((r) => r.seq);
  expect(seqs).toEqual(seqs.map((_, i) => i));
  return records;
}

describe('nothing is lost at exit (child processes)', () => {
  it('keeps every line on a normal exit', async () => {
    const run = start('normal');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(parseAll(run.stdout())).toHaveLength(5000);
  });

  it('keeps every line written before process.exit() and in later exit listeners', async () => {
    const run = start('exit');
    expect(await run.exited).toEqual({ code: 3, signal: null });
    const records = parseAll(run.stdout());
    expect(records).toHaveLength(5001);
    // A line logged by an exit listener that runs after the logger's flush is written too.
    expect(records.at(-1)).toMatchObject({ message: 'exit listener', code: 3 });
  });

  it('keeps every line on SIGTERM with a handler that exits, the handler line last', async () => {
    const run = start('sigterm');
    await waitFor(() => (run.stderrLines().some((r) => r.ready === true) ? true : undefined));
    run.child.kill('SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    const records = parseAll(run.stdout());
    const last = records.at(-1) as Record<string, unknown>;
    expect(last.message).toBe('terminating');
    expect(last.seq).toBe(records.length - 1);
    expect(records.length).toBeGreaterThan(1000);
  });

  it('writes the fatal line of an uncaught exception after every earlier line', async () => {
    const run = start('uncaught');
    const { code } = await run.exited;
    expect(code).toBe(1);
    const records = parseAll(run.stdout());
    expect(records).toHaveLength(5001);
    const fatal = records.at(-1) as Record<string, unknown>;
    expect(fatal).toMatchObject({
      level: 'ERROR',
      message: 'uncaught exception',
      origin: 'uncaughtException',
    });
    expect((fatal.err as { message: string }).message).toBe('kaboom');
  });

  it('writes the fatal line of an unhandled rejection after every earlier line', async () => {
    const run = start('rejection');
    expect((await run.exited).code).toBe(1);
    const records = parseAll(run.stdout());
    expect(records).toHaveLength(5001);
    const fatal = records.at(-1) as Record<string, unknown>;
    expect(fatal).toMatchObject({
      level: 'ERROR',
      message: 'unhandled promise rejection',
      origin: 'unhandledRejection',
    });
    expect((fatal.err as { message?: string } | undefined)?.message).toBe('nobody caught me');
  });
});

describe('a broken stdout never takes the service down', () => {
  it('keeps running when stdout is closed, counting the dropped lines', async () => {
    const run = start('closed-stdout', { readStdout: false });
    run.child.stdout?.destroy();
    const report = await waitFor(() => run.stderrLines().find((r) => r.alive === true));
    expect(report.seq).toBe(3000);
    expect(report.closed as number).toBeGreaterThan(0);
    expect(await run.exited).toEqual({ code: 0, signal: null });
  });

  it('keeps its event loop and memory bounded while stdout is stalled, and drains afterwards', async () => {
    const run = start('stalled', { readStdout: false });
    run.child.stdout?.pause();
    const report = await waitFor(() => run.stderrLines().find((r) => r.seq !== undefined), 40_000);
    expect(report.seq).toBe(200_000); // ~45 MB of log lines were attempted
    expect(report.bufferFull as number).toBeGreaterThan(100_000); // most of them were dropped, counted
    // Live heap after a GC: the 1 MiB buffer and bookkeeping, not the 45 MB that was logged.
    expect(report.heapGrowth as number).toBeLessThan(8 * 1024 * 1024);
    expect(report.loopTicks as number).toBeGreaterThan(20); // the event loop kept turning
    // Once the reader resumes, the buffered lines come out and the child exits on its own.
    let stdout = '';
    run.child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    run.child.stdout?.resume();
    expect(await run.exited).toEqual({ code: 0, signal: null });
    for (const line of stdout.split('\n').filter((l) => l !== ''))
      expect(() => JSON.parse(line)).not.toThrow();
  });
});
