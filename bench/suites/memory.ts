/**
 * Heap under sustained load: fastify-dynotel serves ~1M requests in chunks; after each chunk the server
 * runs a full GC (--expose-gc) and reports heapUsed. The slope of a least-squares line through the
 * samples (after the first, which includes warm-up) shows a leak as a steady rise. Run twice: exporting
 * to a live OTLP sink, and with the OTLP endpoint on a closed port (a dead collector), where the bounded
 * batch queue must drop spans rather than hold them.
 */
import { createServer } from 'node:net';
import { drive } from '../http/load.ts';
import { startOtlpSink } from '../lib/otlp-sink.ts';
import { pinSelf, startServer } from '../lib/server-process.ts';
import type { BenchRow, Suite } from '../lib/types.ts';

const MiB = 2 ** 20;

/** A port that nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Least-squares slope of y over x. */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

async function heapRun(
  impl: string,
  endpoint: string,
  total: number,
  chunks: number,
  log: (m: string) => void,
): Promise<BenchRow> {
  const server = await startServer('fastify-dynotel', {
    env: { BENCH_OTLP_ENDPOINT: endpoint },
    exposeGc: true,
  });
  try {
    const chunk = Math.round(total / chunks);
    const xs: number[] = [];
    const ys: number[] = [];
    let served = 0;
    await drive(`${server.url}/items/42`, { amount: chunk }); // warm-up, not sampled
    for (let i = 0; i < chunks; i++) {
      const load = await drive(`${server.url}/items/42`, { amount: chunk });
      served += load.requests;
      const stats = await server.stats(true);
      xs.push(served / 1e6);
      ys.push(stats.heapUsed / MiB);
      log(`  memory (${impl}): ${served} requests, heap ${(stats.heapUsed / MiB).toFixed(1)} MiB`);
    }
    return {
      suite: 'memory',
      case: `heap after GC over ${(served / 1e6).toFixed(2)}M requests`,
      impl,
      value: slope(xs, ys),
      unit: 'MiB per 1M requests',
      extra: { 'first MiB': ys[0]!, 'last MiB': ys.at(-1)!, 'max MiB': Math.max(...ys) },
    };
  } finally {
    await server.stop();
  }
}

export const memorySuite: Suite = {
  name: 'memory',
  title: 'Memory: heap trend under sustained load (fastify-dynotel)',
  description:
    'Slope of heapUsed after a full GC against requests served (MiB per 1M requests; ~0 is no upward trend), sampled after each of 10 chunks (3 in smoke). `dead collector`: the OTLP endpoint is a closed port, so every export fails and the bounded span queue drops.',
  async run(context) {
    pinSelf('1');
    const total = context.smoke ? 6_000 : 1_000_000;
    const chunks = context.smoke ? 3 : 10;
    const sink = await startOtlpSink();
    try {
      return [
        await heapRun('dynotel, live collector', sink.endpoint, total, chunks, context.log),
        await heapRun(
          'dynotel, dead collector',
          `http://127.0.0.1:${await closedPort()}`,
          total,
          chunks,
          context.log,
        ),
      ];
    } finally {
      await sink.stop();
      pinSelf('0-1023');
    }
  },
};
