/**
 * Starts a benchmark app the way a user runs it: `node [flags] app`, its stdout redirected to /dev/null
 * by this parent (as a shell's `> /dev/null` does), stderr inherited, no IPC channel unless asked for
 * (an ablation), the port given in PORT. The harness reads the app's CPU time and memory from /proc,
 * never from inside the app, so bare and instrumented apps run the same code apart from telemetry.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { openSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { canPin } from './server-process.ts';

/** The bench package's directory: apps run here, so `--require dynotel/register` resolves as in a service. */
export const BENCH_DIR: string = fileURLToPath(new URL('..', import.meta.url));

/** What to start: one app file under bench/, with node flags, environment and the IPC ablation. */
export interface AppSpec {
  /** Short name in tables and BENCH_HTTP_ONLY. */
  readonly id: string;
  readonly label: string;
  /** Path relative to bench/, e.g. 'http/apps/fastify-bare.cjs'. */
  readonly script: string;
  readonly nodeArgs?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Opens an IPC channel to the parent (the child never uses it): the ablation of the former harness. */
  readonly ipc?: boolean;
  /** The path polled until it answers 200 (default '/'). */
  readonly readyPath?: string;
}

export interface AppProcess {
  readonly spec: AppSpec;
  readonly pid: number;
  readonly url: string;
  /**
   * CPU microseconds the app's threads have run so far: the sum of /proc/<pid>/task/<tid>/schedstat
   * (nanoseconds, user and kernel time alike), not /proc/<pid>/stat's 10 ms ticks, which at a fixed
   * 2000 req/s for 2 s would count a bare server's CPU in 6–8 ticks.
   */
  cpuMicros(): number;
  /** Resident set size now and at its peak, in bytes (/proc/<pid>/status VmRSS, VmHWM). */
  memory(): { rss: number; peakRss: number };
  stop(): Promise<void>;
}

const devNull = openSync('/dev/null', 'w');

/** A free loopback port: bound, then released for the app to take. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** One GET that resolves with the status code, or rejects (connection refused while starting). */
export function getStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Polls `url` every `everyMs` until it answers 200; rejects when `child` exits or after `timeoutMs`. */
export async function waitUntilServing(
  child: ChildProcess,
  url: string,
  { everyMs = 5, timeoutMs = 30_000 } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${url}: the app exited (${child.exitCode ?? child.signalCode}) before serving`);
    }
    if ((await getStatus(url).catch(() => 0)) === 200) return;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`${url}: not serving after ${timeoutMs} ms`);
}

/** Spawns the app (pinned to `core` when taskset is here) without waiting for it. */
export function spawnApp(spec: AppSpec, port: number, core = '0'): ChildProcess {
  const nodeArgs = [...(spec.nodeArgs ?? []), spec.script];
  const [command, args] = canPin
    ? ['taskset', ['-c', core, process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  return spawn(command, args as string[], {
    cwd: BENCH_DIR,
    stdio: ['ignore', devNull, 'inherit', ...(spec.ipc ? ['ipc' as const] : [])],
    env: { ...process.env, ...spec.env, PORT: String(port) },
  });
}

/** Run time of every live thread of `pid` (schedstat's first field, ns), in microseconds. */
function threadsCpuMicros(pid: number): number {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return ns / 1e3;
}

function statusKiB(pid: number, key: string): number {
  const match = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match === null ? Number.NaN : Number(match[1]);
}

/** Starts the app and waits until `GET <readyPath>` answers 200. */
export async function startApp(spec: AppSpec): Promise<AppProcess> {
  const port = await freePort();
  const child = spawnApp(spec, port);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilServing(child, `${url}${spec.readyPath ?? '/'}`);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${spec.id}: ${(error as Error).message}`);
  }
  const pid = child.pid!;
  return {
    spec,
    pid,
    url,
    cpuMicros: () => threadsCpuMicros(pid),
    memory() {
      return { rss: statusKiB(pid, 'VmRSS') * 1024, peakRss: statusKiB(pid, 'VmHWM') * 1024 };
    },
    stop: () => stopChild(child),
  };
}

/** SIGTERM (dynotel drains and exits; a bare app just ends), SIGKILL after 5 s. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
