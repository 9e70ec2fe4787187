/**
 * Bytes a server allocates per request under load: `pnpm exec node --conditions=@dynotel/source
 * bench/http/alloc.ts [seconds] <server>...` (server names as in bench/http/servers/, `floor:<level>`
 * for a level of the floor server). Each server runs with V8's `--trace-gc-nvp`, which reports with
 * every garbage collection how many bytes were allocated since the one before; the bytes reported
 * during the load window, divided by the requests answered in it, are the allocation per request
 * (to within one collection's worth, which many thousands of requests make negligible).
 *
 * What for: allocation is work a CPU profile does not show where it happens. The garbage collector's
 * own frames are small, but every new object is written to memory not yet in the cache (see the
 * floor's `g<bytes>` levels in ANALYSIS.md).
 */

import { startOtlpSink } from '../lib/otlp-sink.ts';
import { pinSelf, type ServerProcess, startServer } from '../lib/server-process.ts';
import { drive } from './load.ts';

const seconds = Number(process.argv[2] ?? 5);
const names = process.argv.slice(3);
if (!(seconds > 0) || names.length === 0) {
  throw new Error(
    'usage: alloc.ts <seconds> <server>... (e.g. 5 fastify-bare floor:4 fastify-dynotel-10pct)',
  );
}

/** Sums the `allocated=` of each GC line the server writes while `counting` is set. */
function allocationMeter(server: ServerProcess): { start(): void; stop(): number } {
  let counting = false;
  let bytes = 0;
  let partial = '';
  server.stdout?.setEncoding('utf8');
  server.stdout?.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    if (!counting) return;
    for (const line of lines) {
      const match = / allocated=(\d+)/.exec(line);
      if (match !== null) bytes += Number(match[1]);
    }
  });
  return {
    start() {
      bytes = 0;
      counting = true;
    },
    stop() {
      counting = false;
      return bytes;
    },
  };
}

pinSelf('1');
const sink = await startOtlpSink();
try {
  for (const spec of names) {
    const [name, level] = spec.startsWith('floor:') ? ['floor', spec.slice(6)] : [spec, undefined];
    const env: Record<string, string> = { BENCH_OTLP_ENDPOINT: sink.endpoint };
    if (level !== undefined)
      Object.assign(env, { BENCH_FLOOR_LEVEL: level, BENCH_FLOOR_FRAMEWORK: 'fastify' });
    const server = await startServer(name, { env, nodeArgs: ['--trace-gc-nvp'], pipeStdout: true });
    try {
      const meter = allocationMeter(server);
      await drive(`${server.url}/items/42`, { seconds: 2 });
      meter.start();
      const load = await drive(`${server.url}/items/42`, { seconds });
      // The lines of the last collections of the window may still be on their way.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const bytes = meter.stop();
      console.log(
        `${spec}: ${Math.round(bytes / load.requests)} bytes per request (${load.requests} requests, ${(bytes / 2 ** 20).toFixed(0)} MiB)`,
      );
    } finally {
      await server.stop();
    }
  }
} finally {
  await sink.stop();
}
