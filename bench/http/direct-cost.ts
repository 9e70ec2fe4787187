/**
 * dynotel's own cost per request, without HTTP: `pnpm exec node --conditions=@dynotel/source
 * bench/http/direct-cost.ts full|10pct|metrics-only [bench|client|traced]` initialises dynotel as the
 * benchmark servers do and runs the middleware's core (`start`, `run`, `finish` of HttpInstrumentation,
 * which both frameworks' adapters call) on a fake request, in rounds of 400 with a short pause between
 * rounds (so the batch exporter sends to a real OTLP sink in another process). Prints the 10th
 * percentile of the rounds' ns per request, the steadiest figure on this machine, and the process's
 * whole CPU per request (exports and GC included). Compare two commits by running it in each,
 * alternately.
 *
 * The request's headers: `bench` (default) the two the HTTP suite's load generator sends; `client` the
 * 17 of the OpenAI Python client; `traced` those plus an `x-request-id` and a sampled `traceparent`, as
 * a worker behind a traced frontend receives them.
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
const CLIENT_HEADERS = {
  host: 'gateway:8000',
  'accept-encoding': 'gzip, deflate',
  connection: 'keep-alive',
  accept: 'application/json',
  'content-type': 'application/json',
  'user-agent': 'OpenAI/Python 1.99.0',
  'x-stainless-lang': 'python',
  'x-stainless-package-version': '1.99.0',
  'x-stainless-os': 'Linux',
  'x-stainless-arch': 'x64',
  'x-stainless-runtime': 'CPython',
  'x-stainless-runtime-version': '3.12.3',
  authorization: 'Bearer sk-bench',
  'x-stainless-async': 'false',
  'x-stainless-retry-count': '0',
  'x-stainless-read-timeout': '600',
  'content-length': '120',
};
const HEADERS: Record<string, Record<string, string>> = {
  bench: { host: '127.0.0.1', 'user-agent': 'bench' },
  client: CLIENT_HEADERS,
  traced: {
    ...CLIENT_HEADERS,
    'x-request-id': 'req-7f3a9c2e-4b1d-4e8a-9f6b-2c5d8e1a3b7f',
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  },
};
const headers = HEADERS[process.argv[3] ?? 'bench'];
if (headers === undefined) throw new Error(`headers must be bench, client or traced, got ${process.argv[3]}`);
type Request = Parameters<typeof http.start>[0];
// A new request object each time, as in a server: `start` returns the request already started for an
// object it has seen, so reusing one would measure a no-op.
const newRequest = (): Request =>
  ({ headers, method: 'GET', url: '/items/42', httpVersion: '1.1' }) as unknown as Request;
const handler = () => undefined;

async function round(): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < PER_ROUND; i++) {
    const active = http.start(newRequest());
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
  `${process.argv[2] ?? 'full'} (${process.argv[3] ?? 'bench'} headers): ${rounds[Math.floor(ROUNDS / 10)]!.toFixed(0)} ns per request (p10 of ${ROUNDS} rounds); whole process ${(((cpu.user + cpu.system) * 1000) / (ROUNDS * PER_ROUND)).toFixed(0)} ns of CPU per request`,
);
await sink.stop();
// Not telemetry.shutdown(): its drain delay is for servers; nothing here needs flushing.
process.exit(0);
