import { createMetricsRoot } from '@dynotel/metrics';
import * as prometheusIo from '@prometheus-io/client';
import * as promClient from 'prom-client';
import { measureLoopBlock } from '../lib/loop-block.ts';
import { median } from '../lib/stats.ts';
import type { BenchRow, Suite, SuiteContext } from '../lib/types.ts';

const FAMILIES = 50;
// The same identity labels on every series for every implementation, so the bodies are comparable.
const IDENTITY = {
  dynamo_namespace: 'bench',
  dynamo_component: 'worker',
  dynamo_endpoint: 'generate',
  worker_id: '694d98147d54be25',
};

type Scrape = () => Promise<string>;

function peerRegistry(lib: typeof promClient, series: number): Scrape {
  const registry = new lib.Registry();
  registry.setDefaultLabels(IDENTITY);
  const perFamily = series / FAMILIES;
  for (let f = 0; f < FAMILIES; f++) {
    const counter = new lib.Counter({
      name: `dynamo_component_family_${f}_total`,
      help: `family ${f}`,
      labelNames: ['id'],
      registers: [registry],
    });
    for (let i = 0; i < perFamily; i++) counter.labels(`series-${i}`).inc(i);
  }
  return () => registry.metrics();
}

function dynotelRegistry(series: number): Scrape {
  const root = createMetricsRoot({ workerId: 0x694d98147d54be25n, seriesLimit: series });
  const endpoint = root.namespace('bench').component('worker').endpoint('generate');
  const perFamily = series / FAMILIES;
  for (let f = 0; f < FAMILIES; f++) {
    const counter = endpoint.counter({ name: `family_${f}_total`, help: `family ${f}`, labelNames: ['id'] });
    for (let i = 0; i < perFamily; i++) counter.labels(`series-${i}`).inc(i);
  }
  return async () => (await root.scrape()).body;
}

interface Samples {
  readonly times: number[];
  readonly blocks: number[];
  bytes: number;
}

async function scrapeOnce(scrape: Scrape, samples: Samples): Promise<void> {
  const started = performance.now();
  const { result, maxBlockMs } = await measureLoopBlock(scrape);
  samples.times.push(performance.now() - started);
  samples.blocks.push(maxBlockMs);
  samples.bytes = Buffer.byteLength(result);
}

/** Rounds interleave the implementations so each sees the machine in the same state. */
async function measureSize(size: number, context: SuiteContext): Promise<BenchRow[]> {
  const impls: Array<[string, Scrape]> = [
    ['prom-client', peerRegistry(promClient, size)],
    ['@prometheus-io/client', peerRegistry(prometheusIo as unknown as typeof promClient, size)],
    ['dynotel', dynotelRegistry(size)],
  ];
  const samples = impls.map(() => ({ times: [], blocks: [], bytes: 0 }) as Samples);
  for (const [, scrape] of impls) await scrape(); // warm up
  for (let round = 0; round < context.rounds; round++) {
    for (const [i, [, scrape]] of impls.entries()) await scrapeOnce(scrape, samples[i]!);
  }
  return impls.map(([impl], i) => ({
    suite: 'metrics-scrape',
    case: `scrape ${size / 1000}k series`,
    impl,
    value: median(samples[i]!.times),
    unit: 'ms',
    // The longest block of a typical scrape (median over rounds) and of the worst one: on a shared
    // machine the worst also holds preemption and the GC's helper threads waiting for a core.
    extra: {
      'body MB': samples[i]!.bytes / 1e6,
      'loop block ms (median scrape)': median(samples[i]!.blocks),
      'loop block ms (worst scrape)': Math.max(...samples[i]!.blocks),
    },
  }));
}

export const metricsScrape: Suite = {
  name: 'metrics-scrape',
  title: 'Scrape: time, size and event-loop blocking',
  description:
    'ms per scrape (lower is better), body size, and the longest event-loop block during the scrape. Every implementation exposes the same series with the same four identity labels; the block is the longest gap between two event-loop turns during one scrape, for the median scrape and the worst one. Targets (issue #20): 100k series ≥ 8× faster than the peer `registry.metrics()`, no block over 10 ms.',
  async run(context) {
    const sizes = context.smoke ? [1_000] : [1_000, 10_000, 100_000];
    const rows: BenchRow[] = [];
    for (const size of sizes) {
      context.log(`  metrics-scrape: ${size} series`);
      rows.push(...(await measureSize(size, context)));
    }
    return rows;
  },
};
