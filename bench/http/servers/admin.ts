/**
 * The harness side-channel every benchmark server installs: it reports its port once listening and
 * answers `stats` requests over the IPC channel with its own CPU time (process.cpuUsage) and, after a
 * full GC when run with --expose-gc, its heap. IPC rather than an HTTP route, so that measuring never
 * shows up in the request counts or the route tables.
 */
import { openSync } from 'node:fs';

export interface ServerStats {
  readonly type: 'stats';
  readonly id: number;
  /** process.cpuUsage(): user and system microseconds since start. */
  readonly cpu: { readonly user: number; readonly system: number };
  readonly heapUsed: number;
}

/** Every access-log line goes here: the figure is the cost of producing lines, not of a terminal. */
export const devNull: number = openSync('/dev/null', 'w');

/** The OTLP/gRPC endpoint the harness started (bench/lib/otlp-sink.ts), or a closed port. */
export function otlpEndpoint(): string {
  const endpoint = process.env.BENCH_OTLP_ENDPOINT;
  if (endpoint === undefined) throw new Error('BENCH_OTLP_ENDPOINT is not set');
  return endpoint;
}

/** Call once the server listens: announces the port and starts answering the harness. */
export function serveAdmin(port: number): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  process.on('message', (message: { type?: string; id?: number; gc?: boolean }) => {
    if (message.type !== 'stats') return;
    if (message.gc === true && gc !== undefined) {
      gc();
      gc();
    }
    const stats: ServerStats = {
      type: 'stats',
      id: message.id ?? 0,
      cpu: process.cpuUsage(),
      heapUsed: process.memoryUsage().heapUsed,
    };
    process.send?.(stats);
  });
  // The harness going away, however it goes, ends the server.
  process.on('disconnect', () => process.exit(0));
  // An orderly exit on SIGINT, so that a --cpu-prof profile gets written.
  process.on('SIGINT', () => process.exit(0));
  process.send?.({ type: 'ready', port });
}

/**
 * The port to listen on: PORT when the harness picked one (bench/lib/app-process.ts, no IPC needed),
 * else any free port, announced over IPC by serveAdmin.
 */
export function listenPort(): number {
  return Number(process.env.PORT ?? 0);
}

/** The 16 KiB JSON body of the matrix's large routes (bench/http/apps/ serve the same). */
export const LARGE_PAYLOAD = Object.freeze({ data: 'x'.repeat(16373) });

/** The single route every variant serves (the matrix's apps serve four: bench/http/apps/). */
export const ROUTE = '/items/:id';
export const PAYLOAD = Object.freeze({ id: 42, name: 'widget', tags: ['a', 'b'] });
