/**
 * One adopter app: a source file written into the npm-installed app directory (outside the workspace)
 * and run as a child process on a given Node, with its stdout JSONL and stderr collected. A scenario is
 * one small test file using `startAdopterApp`; `waitForPort` opens a TCP connection only, so an app is
 * seen listening without a request reaching it (readiness must not need traffic).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { inject } from 'vitest';
import { freePort } from '../../support/free-port.ts';

export interface AdopterApp {
  readonly child: ChildProcess;
  /** The app's port (env PORT) and the system status server's (DYN_SYSTEM_PORT). */
  readonly port: number;
  readonly systemPort: number;
  readonly url: string;
  readonly systemUrl: string;
  /** Parsed JSON lines of stdout. */
  readonly logs: Array<Record<string, unknown>>;
  /** Every stderr line. */
  readonly stderr: string[];
  waitForLog(
    predicate: (line: Record<string, unknown>) => boolean,
    what: string,
  ): Promise<Record<string, unknown>>;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
  /**
   * Resolves with how the process ended, once it has; rejects (naming `what` and stderr) when it is
   * still running after `timeoutMs`, so a process that never ends fails the scenario instead of hanging it.
   */
  waitForExit(timeoutMs: number, what: string): Promise<AdopterExit>;
}

export interface AdopterExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface AdopterNode {
  readonly name: string;
  readonly path: string;
}

/** The Node binaries to run the apps on (the repo's Node 24; Node 22 with ADOPTER_NODE22=1). */
export function adopterNodes(): AdopterNode[] {
  return inject('adopterNodes');
}

let counter = 0;

export async function startAdopterApp(options: {
  /** The module kind: .mjs ESM, .cjs CommonJS, .ts TypeScript as ESM (type stripping; the app's package.json says "type": "module"). */
  readonly extension: 'mjs' | 'cjs' | 'ts';
  readonly source: string;
  readonly node: AdopterNode;
  /** Added to the app's environment; `undefined` removes a variable the support sets by default. */
  readonly env?: Record<string, string | undefined>;
  readonly args?: readonly string[];
}): Promise<AdopterApp> {
  const dir = inject('adopterDir');
  const file = join(dir, `app-${process.pid}-${++counter}.${options.extension}`);
  writeFileSync(file, options.source);
  const port = await freePort();
  const systemPort = await freePort();
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH ?? '',
    PORT: String(port),
    DYN_SYSTEM_PORT: String(systemPort),
    DYN_SYSTEM_HOST: '127.0.0.1',
    DYN_LOGGING_JSONL: '1',
    DYN_SHUTDOWN_DRAIN_DELAY: '0',
    ...options.env,
  };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
  const child = spawn(options.node.path, [...(options.args ?? []), file], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  const stderr: string[] = [];
  const exit = new Promise<AdopterExit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    try {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      stderr.push(`(stdout, not JSON) ${line}`);
    }
  });
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  const app: AdopterApp = {
    child,
    port,
    systemPort,
    url: `http://127.0.0.1:${port}`,
    systemUrl: `http://127.0.0.1:${systemPort}`,
    logs,
    stderr,
    async waitForLog(predicate, what) {
      for (let i = 0; i < 400; i++) {
        const found = logs.find(predicate);
        if (found !== undefined) return found;
        if (child.exitCode !== null) break;
        await sleep(25);
      }
      throw new Error(`no log line ${what}; stderr:\n${stderr.join('\n')}`);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const [code] = (await exited) as [number | null];
      clearTimeout(timer);
      return code;
    },
    async waitForExit(timeoutMs, what) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(`the app did not exit ${what} within ${timeoutMs} ms; stderr:\n${stderr.join('\n')}`),
            ),
          timeoutMs,
        );
      });
      try {
        return await Promise.race([exit, late]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
  try {
    await waitForPort(port, child, stderr);
  } catch (error) {
    await app.stop();
    throw error;
  }
  return app;
}

/** Polls `url` until it answers `status` (a refused connection counts as no answer); throws after ~5 s. */
export async function waitForStatus(url: string, status: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const answered = await fetch(url).then(
      (response) => response.status,
      () => 0,
    );
    if (answered === status) return;
    await sleep(25);
  }
  throw new Error(`${url} never answered ${status}`);
}

/** Resolves once a TCP connection to the port succeeds (no HTTP request is sent). */
async function waitForPort(port: number, child: ChildProcess, stderr: string[]): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) break;
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(25);
  }
  throw new Error(
    `the app never listened on ${port} (exit ${child.exitCode}); stderr:\n${stderr.join('\n')}`,
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
