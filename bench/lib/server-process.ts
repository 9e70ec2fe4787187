import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { ServerStats } from '../http/servers/admin.ts';

/** Whether util-linux `taskset` is here: without it servers and load generator share the cores. */
export const canPin: boolean = spawnSync('taskset', ['-V']).status === 0;

/** Pins this process (every thread) to `cores`, e.g. '1'; false when taskset is missing. */
export function pinSelf(cores: string): boolean {
  if (!canPin) return false;
  return spawnSync('taskset', ['-a', '-p', '-c', cores, String(process.pid)]).status === 0;
}

/** Pins another process (every thread) to `cores`. */
export function pinPid(pid: number, cores: string): boolean {
  if (!canPin) return false;
  return spawnSync('taskset', ['-a', '-p', '-c', cores, String(pid)]).status === 0;
}

export interface ServerProcess {
  readonly name: string;
  readonly url: string;
  /** The server's node process (taskset execs node, so it keeps this pid). */
  readonly pid: number;
  /** The server's stdout, when started with `pipeStdout` (otherwise /dev/null). */
  readonly stdout: Readable | null;
  stats(gc?: boolean): Promise<ServerStats>;
  stop(): Promise<void>;
}

export interface StartServerOptions {
  readonly env?: Record<string, string>;
  readonly exposeGc?: boolean;
  /** Extra node flags, e.g. --cpu-prof. */
  readonly nodeArgs?: readonly string[];
  /**
   * Give the server's stdout to the caller (`ServerProcess.stdout`), e.g. to read V8's GC trace; by
   * default it goes to /dev/null, where a service's access lines go in every benchmark.
   */
  readonly pipeStdout?: boolean;
}

/**
 * Starts bench/http/servers/<name>.ts in its own process, pinned to core 0 when taskset is present,
 * and waits until it listens.
 */
export async function startServer(name: string, options: StartServerOptions = {}): Promise<ServerProcess> {
  const script = fileURLToPath(new URL(`../http/servers/${name}.ts`, import.meta.url));
  const nodeArgs = [
    '--conditions=@dynotel/source',
    ...(options.exposeGc ? ['--expose-gc'] : []),
    ...(options.nodeArgs ?? []),
    script,
  ];
  const [command, args] = canPin
    ? ['taskset', ['-c', '0', process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  const child: ChildProcess = spawn(command, args as string[], {
    stdio: ['ignore', options.pipeStdout ? 'pipe' : 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, ...options.env },
  });
  const ready = await new Promise<{ port: number }>((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`server ${name} exited (${code}) before listening`));
    child.once('exit', onExit);
    child.on('message', function onMessage(message: { type?: string; port?: number }) {
      if (message.type !== 'ready') return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve({ port: message.port! });
    });
  });
  let nextId = 1;
  return {
    name,
    url: `http://127.0.0.1:${ready.port}`,
    pid: child.pid!,
    stdout: child.stdout,
    stats(gc = false) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const onExit = () => reject(new Error(`server ${name} exited`));
        child.once('exit', onExit);
        child.on('message', function onMessage(message: ServerStats) {
          if (message.type !== 'stats' || message.id !== id) return;
          child.off('message', onMessage);
          child.off('exit', onExit);
          resolve(message);
        });
        child.send({ type: 'stats', id, gc });
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      // SIGINT lets node write a --cpu-prof profile; disconnecting alone ends a plain server.
      child.kill('SIGINT');
      await exited;
    },
  };
}
