import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A fixture of test/reliability/fixtures running as a child process, its output collected. */
export interface Child {
  readonly process: ChildProcess;
  /** The first value the fixture announced on stderr with `READY <value>`. */
  readonly ready: string;
  stdout(): string;
  stderr(): string;
  /** Newlines seen on stdout (counted even when the text is discarded). */
  stdoutLines(): number;
  /** Resolves with the exit code (or signal name) once the child exited. */
  readonly exited: Promise<number | string>;
  /** SIGKILLs the child if it is still running (cleanup). */
  kill(): void;
}

export async function startFixture(
  name: string,
  env: Record<string, string>,
  options: {
    nodeFlags?: string[];
    stdio?: 'pipe' | 'ignore-stdout';
    readyTimeoutMs?: number;
    discardStdout?: boolean;
  } = {},
): Promise<Child> {
  const file = fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
  const child = spawn(
    process.execPath,
    ['--conditions=@dynotel/source', ...(options.nodeFlags ?? []), file],
    {
      env: { PATH: process.env.PATH ?? '', ...env },
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stdio: ['ignore', options.stdio === 'ignore-stdout' ? 'ignore' : 'pipe', 'pipe'],
    },
  );
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let newlines = 0;
  child.stdout?.on('data', (chunk: Buffer) => {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) newlines++;
    if (options.discardStdout !== true) out.push(chunk);
  });
  child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const stderr = () => Buffer.concat(err).toString('utf8');
  const ready = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} not ready within the timeout; stderr:\n${stderr()}`)),
      options.readyTimeoutMs ?? 20_000,
    );
    const check = () => {
      const match = /READY (\S+)/.exec(stderr());
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stderr?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before it was ready; stderr:\n${stderr()}`));
    });
  });
  return {
    process: child,
    ready,
    stdout: () => Buffer.concat(out).toString('utf8'),
    stderr,
    stdoutLines: () => newlines,
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** Parses JSONL output; a line that is not JSON fails the test with the line in the message. */
export function parseJsonl(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON line: ${line.slice(0, 300)}`);
      }
    });
}
