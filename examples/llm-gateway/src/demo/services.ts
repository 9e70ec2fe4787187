/**
 * Child processes of the demo: the gateway and the worker, each a real Node process running its
 * TypeScript sources. Every child is tracked, and killed when the demo exits for any reason (normal end,
 * failure, Ctrl-C, SIGTERM), so the demo never leaves processes behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** One JSONL log line of a service, parsed; `raw` keeps the text. */
export interface LogLine {
  readonly service: string;
  readonly raw: string;
  readonly record: Readonly<Record<string, unknown>>;
}

export interface Service {
  readonly name: string;
  readonly pid: number;
  /** Every JSONL line the service wrote to stdout so far. */
  readonly lines: readonly LogLine[];
  /** Non-JSON output (stderr, readable lines): shown when something fails. */
  readonly otherOutput: readonly string[];
  /** Resolves with the first log line matching `predicate` (also one already written). */
  waitForLog(
    predicate: (record: Readonly<Record<string, unknown>>) => boolean,
    timeoutMs: number,
  ): Promise<LogLine>;
  /** SIGTERM (graceful shutdown: drain, flush spans and logs), SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** A last-resort kill on every exit of this process ('exit' runs synchronously, also after errors). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

/**
 * Ctrl-C, SIGTERM and SIGHUP stop every service gracefully, then exit with 130 (for the demo's CLI).
 * `onSignal` runs first (the demo stops its load there).
 */
export function stopServicesOnSignals(onSignal: () => void = () => {}): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      onSignal();
      process.stderr.write(`\n${signal}: stopping the demo's services\n`);
      void Promise.all([...running].map((child) => stopChild(child, 2000))).finally(() => process.exit(130));
    });
  }
}

export function startService(name: string, script: string, env: NodeJS.ProcessEnv): Service {
  installExitHook();
  const child = spawn(process.execPath, ['--conditions=@dynotel/source', script], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const lines: LogLine[] = [];
  const otherOutput: string[] = [];
  const waiters = new Set<(line: LogLine) => void>();

  createInterface({ input: child.stdout! }).on('line', (raw) => {
    const record = parseJson(raw);
    if (record === undefined) {
      otherOutput.push(raw);
      return;
    }
    const line = { service: name, raw, record };
    lines.push(line);
    for (const waiter of waiters) waiter(line);
  });
  createInterface({ input: child.stderr! }).on('line', (raw) => otherOutput.push(raw));

  return {
    name,
    pid: child.pid ?? -1,
    lines,
    otherOutput,
    waitForLog(predicate, timeoutMs) {
      const found = lines.find((line) => predicate(line.record));
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(`${name}: no matching log line within ${timeoutMs} ms\n${tail(lines, otherOutput)}`),
          );
        }, timeoutMs);
        const onExit = (code: number | null, signal: string | null) => {
          cleanup();
          reject(
            new Error(`${name} exited early (code ${code}, signal ${signal})\n${tail(lines, otherOutput)}`),
          );
        };
        const waiter = (line: LogLine) => {
          if (!predicate(line.record)) return;
          cleanup();
          resolve(line);
        };
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(waiter);
          child.off('exit', onExit);
        };
        waiters.add(waiter);
        child.once('exit', onExit);
      });
    },
    stop: (timeoutMs = 5000) => stopChild(child, timeoutMs),
  };
}

async function stopChild(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

function parseJson(raw: string): Record<string, unknown> | undefined {
  if (!raw.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function tail(lines: readonly LogLine[], other: readonly string[]): string {
  return [...lines.slice(-5).map((l) => l.raw), ...other.slice(-10)].join('\n');
}
