import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { fileURLToPath } from 'node:url';

export type Framework = 'http' | 'express' | 'fastify';
export type ModuleKind = 'esm' | 'cjs';

/** One unmodified application started as a child process with only `dynotel/register` preloaded. */
export interface ZeroCodeApp {
  /** `http://127.0.0.1:<port>` of the application's own server. */
  readonly url: string;
  /** `http://127.0.0.1:<port>` of dynotel's system status server (its /metrics). */
  readonly systemUrl: string;
  /** Every stdout line that parsed as JSON (the service's log lines), so far. */
  lines(): Array<Record<string, unknown>>;
  /** Resolves once a line matching `match` was written; rejects after `timeoutMs`. */
  waitForLine(
    match: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** SIGTERM, then waits for the exit (graceful shutdown flushes the spans). */
  stop(): Promise<void>;
}

const packageDir = fileURLToPath(new URL('../..', import.meta.url));
const fixture = (kind: ModuleKind) =>
  fileURLToPath(new URL(`../fixtures/zero-code/app.${kind === 'esm' ? 'mjs' : 'cjs'}`, import.meta.url));

/**
 * `node --conditions=@dynotel/source --import dynotel/register app.mjs` (or `--require … app.cjs`), with
 * the JSONL logs on stdout and the system status server on a port of its own choosing.
 */
export async function startZeroCodeApp(options: {
  framework: Framework;
  kind: ModuleKind;
  adapter?: boolean;
  env?: Record<string, string>;
  /** Extra Node flags (`--no-async-context-frame`: AsyncLocalStorage on async_hooks, as Node 22 has it). */
  nodeFlags?: readonly string[];
}): Promise<ZeroCodeApp> {
  const flag = options.kind === 'esm' ? '--import' : '--require';
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...(options.nodeFlags ?? []),
      '--conditions=@dynotel/source',
      flag,
      'dynotel/register',
      fixture(options.kind),
    ],
    {
      // The package resolves itself by name (package self-reference) from its own directory.
      cwd: packageDir,
      env: {
        PATH: process.env.PATH ?? '',
        APP_FRAMEWORK: options.framework,
        APP_ADAPTER: options.adapter === true ? '1' : '0',
        DYN_LOGGING_JSONL: '1',
        DYN_SYSTEM_PORT: '0',
        DYN_SYSTEM_HOST: '127.0.0.1',
        DYN_SHUTDOWN_DRAIN_DELAY: '0',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const parsed: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  let pending = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const parts = pending.split('\n');
    pending = parts.pop()!;
    for (const text of parts) {
      if (text.startsWith('{')) parsed.push(JSON.parse(text) as Record<string, unknown>);
    }
    for (const wake of waiters) wake();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = once(child, 'exit');

  const waitForLine: ZeroCodeApp['waitForLine'] = (match, timeoutMs = 20_000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = parsed.find(match);
        if (found === undefined) return false;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no matching line within ${timeoutMs} ms; stderr: ${stderr.slice(0, 2000)}`));
      }, timeoutMs);
      if (!check()) waiters.add(check);
    });

  try {
    const listening = await waitForLine((line) => typeof line.listening === 'number');
    const system = await waitForLine((line) => line.message === 'system status server listening');
    return {
      url: `http://127.0.0.1:${listening.listening as number}`,
      systemUrl: String(system.url).replace('0.0.0.0', '127.0.0.1'),
      lines: () => [...parsed],
      waitForLine,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

/** The value of one series of a Prometheus text exposition, or undefined when absent. */
export function sampleValue(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const close = line.lastIndexOf('}');
    const labelText = line.slice(name.length + 1, close);
    const matches = Object.entries(labels).every(([key, value]) => labelText.includes(`${key}="${value}"`));
    if (matches)
      return Number(
        line
          .slice(close + 1)
          .trim()
          .split(' ')[0],
      );
  }
  return undefined;
}

/** The sum of every series of `name` (all label sets). */
export function sampleSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) {
      sum += Number(
        line
          .slice(line.lastIndexOf('}') + 1)
          .trim()
          .split(' ')[0],
      );
    }
  }
  return sum;
}

export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One request with a fresh connection; resolves with the whole answer. */
export function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Polls `read` until it returns a value (bounded), for data that arrives from another process. */
export async function waitFor<T>(read: () => T | undefined, timeoutMs = 10_000): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
