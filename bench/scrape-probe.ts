// Times 100k-series scrapes of the metrics-scrape suite's registry, for profiling and A/B of two trees:
// `pnpm exec node [--cpu-prof] --conditions=@dynotel/source bench/scrape-probe.ts [rounds]`.
import { createMetricsRoot } from '@dynotel/metrics';

const FAMILIES = 50,
  SERIES = 100_000;
const root = createMetricsRoot({ workerId: 0x694d98147d54be25n, seriesLimit: SERIES });
const endpoint = root.namespace('bench').component('worker').endpoint('generate');
for (let f = 0; f < FAMILIES; f++) {
  const c = endpoint.counter({ name: `family_${f}_total`, help: `family ${f}`, labelNames: ['id'] });
  for (let i = 0; i < SERIES / FAMILIES; i++) c.labels(`series-${i}`).inc(i);
}
const rounds = Number(process.argv[2] ?? 30);
const times: number[] = [];
let bytes = 0;
for (let r = 0; r < rounds; r++) {
  const t = performance.now();
  const { body } = await root.scrape();
  bytes = Buffer.byteLength(body);
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
console.log(`median ${times[times.length >> 1]!.toFixed(1)} ms min ${times[0]!.toFixed(1)} bytes ${bytes}`);
