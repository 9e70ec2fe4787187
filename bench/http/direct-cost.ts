/**
 * dynotel's own cost per request, without HTTP: `pnpm exec node --conditions=@dynotel/source
 * bench/http/direct-cost.ts full|10pct|metrics-only` initialises dynotel as the benchmark servers do
 * and runs the middleware's core (`start`, `run`, `finish` of HttpInstrumentation, which both
 * frameworks' adapters call) on a fake request, in rounds of 400 with a short pause between rounds
 * (so the batch exporter sends to a real OTLP sink in another process). Prints the 10th percentile
 * of the rounds' ns per request, the steadiest figure on this machine, and the process's whole CPU
 * per request (exports and GC included). Compare two commits by running it in each, alternately.
 */
import { init } from 'dynotel';
import { startOtlpSink } from '../lib/otlp-sink.ts';
import { devNull } from './servers/admin.ts';
import { type DynotelVariant, dynotelEnv } from './servers/dynotel-env.ts';

const VARIANTS: Record<string, DynotelVariant> = {
  full: 'full',
  '10pct': 'sampled-10pct',
  'metrics-only': 'metrics-only',
};
const variant = VARIANTS[process.argv[2] ?? 'full'];
if (variant === undefined)
  throw new Error(`variant must be full, 10pct or metrics-only, got ${process.argv[2]}`);

const PER_ROUND = 400;
const WARM_UP_ROUNDS = 100;
const ROUNDS = 500;

const sink = await startOtlpSink();
process.env.BENCH_OTLP_ENDPOINT = sink.endpoint;
const telemetry = init({ env: dynotelEnv(variant), handleSignals: false, logDestination: devNull });
const http = telemetry.http;
const request = {
  headers: { host: '127.0.0.1', 'user-agent': 'bench' },
  method: 'GET',
  url: '/items/42',
  httpVersion: '1.1',
} as unknown as Parameters<typeof http.start>[0];
const handler = () => undefined;

async function round(): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < PER_ROUND; i++) {
    const active = http.start(request);
    http.run(active, handler);
    http.finish(active, { statusCode: 200, route: '/items/:id' });
  }
  const ns = ((performance.now() - started) * 1e6) / PER_ROUND;
  await new Promise((resolve) => setTimeout(resolve, 2));
  return ns;
}

for (let r = 0; r < WARM_UP_ROUNDS; r++) await round();
const cpuBefore = process.cpuUsage();
const rounds: number[] = [];
for (let r = 0; r < ROUNDS; r++) rounds.push(await round());
const cpu = process.cpuUsage(cpuBefore);
rounds.sort((a, b) => a - b);
console.log(
  `${process.argv[2] ?? 'full'}: ${rounds[Math.floor(ROUNDS / 10)]!.toFixed(0)} ns per request (p10 of ${ROUNDS} rounds); whole process ${(((cpu.user + cpu.system) * 1000) / (ROUNDS * PER_ROUND)).toFixed(0)} ns of CPU per request`,
);
await sink.stop();
// Not telemetry.shutdown(): its drain delay is for servers; nothing here needs flushing.
process.exit(0);
