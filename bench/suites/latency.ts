/**
 * Latency at one connection and a fixed, light rate (http/fixed-rate-latency.ts): what a request pays
 * when the server is idle between requests, the p50 target of issue #23. Apps as in the HTTP matrix,
 * `GET /`, each pinned to core 0, the client on core 1, apps in turn every round.
 */

import { type Framework, matrixApps } from '../http/apps/variants.ts';
import { fixedRateLatency, type LatencyResult } from '../http/fixed-rate-latency.ts';
import { drive } from '../http/load.ts';
import { type AppProcess, startApp } from '../lib/app-process.ts';
import { startOtlpSink } from '../lib/otlp-sink.ts';
import { pinSelf } from '../lib/server-process.ts';
import { median } from '../lib/stats.ts';
import type { BenchRow, Suite } from '../lib/types.ts';

const LATENCY_APPS = new Set(['bare', 'full (CJS)', 'metrics-only', '--require register']);

export const latencySuite: Suite = {
  name: 'latency',
  usesBuiltPackages: true,
  title: 'Latency at 1 connection, fixed rate',
  description:
    'One keep-alive connection sends `GET /` at a fixed rate (BENCH_LATENCY_RATE, default 500 req/s; never two in flight), timed from the write to the last byte of the response with the monotonic clock (a raw socket: autocannon rounds to whole milliseconds). Apps as in the HTTP matrix. `added p50 µs` is the median over rounds of (p50 − bare p50 in the same round); the target is ≤ 50 µs with full telemetry.',
  async run(context) {
    const rate = Number(process.env.BENCH_LATENCY_RATE ?? 500);
    const seconds = context.smoke ? 0.3 : Number(process.env.BENCH_LATENCY_SECONDS ?? 4);
    const rounds = context.smoke ? 1 : context.rounds;
    pinSelf('1');
    const sink = await startOtlpSink();
    const rows: BenchRow[] = [];
    try {
      for (const framework of ['fastify', 'express'] as Framework[]) {
        const specs = matrixApps(framework, sink.endpoint).filter((app) => LATENCY_APPS.has(app.label));
        const apps: AppProcess[] = [];
        const samples = specs.map((): LatencyResult[] => []);
        try {
          for (const spec of specs) apps.push(await startApp(spec));
          for (const app of apps)
            await drive(`${app.url}/`, { seconds: context.smoke ? 0.2 : 2, connections: 10 });
          for (let round = 0; round < rounds; round++) {
            const order = [...apps.keys()];
            if (round % 2 === 1) order.reverse();
            for (const i of order)
              samples[i]!.push(await fixedRateLatency(`${apps[i]!.url}/`, { rate, seconds }));
            context.log(`  latency ${framework}: round ${round + 1}/${rounds}`);
          }
        } finally {
          await Promise.all(apps.map((app) => app.stop()));
        }
        for (const [i, spec] of specs.entries()) {
          const s = samples[i]!;
          rows.push({
            suite: 'latency',
            case: `${framework}: p50 at ${rate} req/s, 1 connection`,
            impl: spec.label,
            value: median(s.map((x) => x.p50Us)),
            unit: 'µs',
            extra: {
              'added p50 µs': median(s.map((x, r) => x.p50Us - samples[0]![r]!.p50Us)),
              'p90 µs': median(s.map((x) => x.p90Us)),
              'p99 µs': median(s.map((x) => x.p99Us)),
            },
          });
        }
      }
    } finally {
      await sink.stop();
      pinSelf('0-1023');
    }
    return rows;
  },
};
