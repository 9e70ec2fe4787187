/** Runs a fixture of packages/dynotel as a real process tree started with `--import dynotel/register`. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const packageDir = fileURLToPath(new URL('../../packages/dynotel/', import.meta.url));

export interface ScaledApp {
  readonly child: ChildProcess;
  /** Every JSON line of stdout (the primary's and every worker's, which share it). */
  readonly lines: Record<string, unknown>[];
  waitFor(
    predicate: (line: Record<string, unknown>) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** SIGTERM to the primary, then its exit code (SIGKILL after the bound). */
  stop(timeoutMs?: number): Promise<number | null>;
}

export function startScaledApp(fixture: string, env: Record<string, string>): ScaledApp {
  const child = spawn(
    process.execPath,
    ['--conditions=@dynotel/source', '--import', 'dynotel/register', `test/fixtures/${fixture}`],
    {
      cwd: packageDir,
      env: {
        PATH: process.env.PATH,
        DYN_LOGGING_JSONL: '1',
        DYN_SHUTDOWN_DRAIN_DELAY: '0',
        DYN_SYSTEM_PORT: '0',
        DYN_SYSTEM_HOST: '127.0.0.1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a line cut by an interleaved write of another process: not one the tests look for
    }
  });
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  return {
    child,
    lines,
    async waitFor(predicate, what, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const found = lines.find(predicate);
        if (found !== undefined) return found;
        if (child.exitCode !== null) break;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error(`no line for ${what}; stderr:\n${stderr.join('\n')}`);
    },
    async stop(timeoutMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const [code] = (await exited) as [number | null];
      clearTimeout(timer);
      return code;
    },
  };
}

export interface Reply {
  readonly status: number;
  readonly body: string;
}

/** One GET, bounded in time; `agent` false opens a new connection (so node:cluster spreads them). */
export function get(
  url: string,
  options: { agent?: http.Agent | false; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      url,
      { agent: options.agent ?? false, headers: options.headers ?? {}, timeout: options.timeoutMs ?? 10_000 },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out`)));
    request.on('error', reject);
  });
}

/** Sends `count` GETs with `concurrency` at a time; returns how many were answered 200. */
export async function load(url: string, count: number, concurrency: number): Promise<number> {
  let sent = 0;
  let ok = 0;
  const lane = async () => {
    while (sent < count) {
      sent++;
      try {
        if ((await get(url)).status === 200) ok++;
      } catch {
        // a connection cut by a killed worker: not answered, not counted
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return ok;
}

/** The value of every sample of `name` in 0.0.4 text whose labels include `labels`, summed. */
export function sumSamples(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !(line.startsWith(`${name}{`) || line.startsWith(`${name} `))) continue;
    const { labelText, value } = splitSample(line);
    if (Object.entries(labels).every(([key, wanted]) => labelText.includes(`${key}="${wanted}"`)))
      total += value;
  }
  return total;
}

/** The distinct values of `label` on the samples of `name`. */
export function labelValues(text: string, name: string, label: string): Set<string> {
  const values = new Set<string>();
  const pattern = new RegExp(`${label}="([^"]*)"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const match = pattern.exec(splitSample(line).labelText);
    if (match?.[1] !== undefined) values.add(match[1]);
  }
  return values;
}

function splitSample(line: string): { labelText: string; value: number } {
  const close = line.lastIndexOf('}');
  const labelText = close === -1 ? '' : line.slice(line.indexOf('{') + 1, close);
  const rest = (close === -1 ? line.slice(line.indexOf(' ')) : line.slice(close + 1)).trim();
  return { labelText, value: Number(rest.split(' ')[0]) };
}
