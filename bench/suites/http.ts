/**
 * End-to-end HTTP overhead: bare framework, the peer stack and dynotel, each server in its own process
 * pinned to core 0, the load generator (autocannon) in this process pinned to core 1, over loopback.
 * Variants run interleaved, one after another in every round, and the report takes medians over rounds;
 * server CPU per request (the server's own process.cpuUsage delta over completed requests) is the sounder
 * figure when the load generator is near saturation against a bare server.
 */
import { fileURLToPath } from 'node:url';
import { drive } from '../http/load.ts';
import { startOtlpSink } from '../lib/otlp-sink.ts';
import { canPin, pinPid, pinSelf, type ServerProcess, startServer } from '../lib/server-process.ts';
import { median } from '../lib/stats.ts';
import type { BenchRow, Suite } from '../lib/types.ts';

interface Variant {
  readonly framework: 'fastify' | 'express';
  readonly impl: string;
  /** The script in bench/http/servers/. */
  readonly server: string;
  /** What BENCH_HTTP_ONLY names it by (default: `server`). */
  readonly id?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Started with `--import` of bench/http/servers/zero-code-register.ts (dynotel/register alone). */
  readonly zeroCode?: boolean;
}

const ZERO_CODE_PRELOAD = fileURLToPath(new URL('../http/servers/zero-code-register.ts', import.meta.url));

/** The bare framework server, unmodified, with only `dynotel/register` preloaded ("full dynotel"). */
function zeroCode(framework: Variant['framework']): Variant {
  return {
    framework,
    impl: 'dynotel zero-code (--import dynotel/register)',
    server: `${framework}-bare`,
    id: `${framework}-zero-code`,
    zeroCode: true,
  };
}

/**
 * The hand-written floor server (bench/http/servers/floor.ts) at one level: the work a target asks for,
 * without dynotel, at its cheapest. Measured in the same run, it bounds what any implementation can
 * reach here (bench/ANALYSIS.md, "The floor").
 */
function floor(framework: Variant['framework'], level: 4 | 5, impl: string): Variant {
  return {
    framework,
    impl,
    server: 'floor',
    id: `${framework}-floor-${level}`,
    env: { BENCH_FLOOR_FRAMEWORK: framework, BENCH_FLOOR_LEVEL: String(level) },
  };
}

const ALL_VARIANTS: readonly Variant[] = [
  { framework: 'fastify', impl: 'bare', server: 'fastify-bare' },
  { framework: 'fastify', impl: 'peer stack', server: 'fastify-peer' },
  { framework: 'fastify', impl: 'dynotel', server: 'fastify-dynotel' },
  { framework: 'fastify', impl: 'dynotel, 10% sampled', server: 'fastify-dynotel-10pct' },
  { framework: 'fastify', impl: 'dynotel metrics-only', server: 'fastify-metrics-only' },
  zeroCode('fastify'),
  floor('fastify', 4, 'floor 4: ids, 10% decision, metrics, line by hand, no span'),
  floor('fastify', 5, 'floor 5: floor 4 + every span exported by hand'),
  { framework: 'express', impl: 'bare', server: 'express-bare' },
  { framework: 'express', impl: 'peer stack', server: 'express-peer' },
  { framework: 'express', impl: 'dynotel', server: 'express-dynotel' },
  { framework: 'express', impl: 'dynotel metrics-only', server: 'express-metrics-only' },
  zeroCode('express'),
  floor('express', 4, 'floor 4: ids, 10% decision, metrics, line by hand, no span'),
];

/** BENCH_HTTP_ONLY=fastify-bare,fastify-dynotel narrows the run (A/B checks while optimising). */
const only = process.env.BENCH_HTTP_ONLY?.split(',');
export const HTTP_VARIANTS: readonly Variant[] =
  only === undefined ? ALL_VARIANTS : ALL_VARIANTS.filter((v) => only.includes(v.id ?? v.server));

export interface Sample {
  readonly rps: number;
  readonly cpuUsPerRequest: number;
  readonly userCpuUsPerRequest: number;
  readonly p99Ms: number;
  /** Server CPU per request at the fixed offered load (FIXED_RATE), and whether it kept up. */
  readonly fixedRateCpuUsPerRequest: number;
  readonly fixedRateKeptUp: boolean;
}

/**
 * The offered load of the fixed-rate measurement: low enough for every variant (the peer stack
 * included) to keep up, so every server answers the same requests at the same pace and the load
 * generator idles alike between them. At saturation the kernel's cost of waking an idle load generator
 * for each response (loopback delivery runs in the sender's system time) is paid by slower servers
 * only, which inflates their CPU per request.
 */
const FIXED_RATE = Number(process.env.BENCH_HTTP_FIXED_RATE ?? 3000);

async function measure(server: ServerProcess, seconds: number): Promise<Sample> {
  const url = `${server.url}/items/42`;
  let before = await server.stats();
  const load = await drive(url, { seconds });
  let after = await server.stats();
  if (load.requests === 0 || load.errors > 0) {
    throw new Error(`${server.name}: ${load.requests} requests completed, ${load.errors} errors`);
  }
  const user = after.cpu.user - before.cpu.user;
  const cpu = user + after.cpu.system - before.cpu.system;
  before = after;
  const fixed = await drive(url, { seconds, rate: FIXED_RATE });
  after = await server.stats();
  if (fixed.requests === 0 || fixed.errors > 0) {
    throw new Error(`${server.name}: ${fixed.requests} requests completed, ${fixed.errors} errors`);
  }
  const fixedCpu = after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system;
  return {
    rps: load.requests / load.seconds,
    cpuUsPerRequest: cpu / load.requests,
    userCpuUsPerRequest: user / load.requests,
    p99Ms: load.p99Ms,
    fixedRateCpuUsPerRequest: fixedCpu / fixed.requests,
    fixedRateKeptUp: fixed.requests / fixed.seconds >= 0.95 * FIXED_RATE,
  };
}

/**
 * Runs `count` rounds over `servers`, appending each server's sample to its list in `samples`. Every
 * other round (counted over all of `samples`, so across process sets too) runs the servers in reverse
 * order, so a drift during a round does not always favour the same ones.
 */
export async function measureRounds(
  servers: readonly ServerProcess[],
  samples: Sample[][],
  count: number,
  seconds: number,
  onRound: (round: number) => void,
): Promise<void> {
  for (let r = 0; r < count; r++) {
    const round = samples[0]!.length;
    const order = [...servers.keys()];
    if (round % 2 === 1) order.reverse();
    for (const index of order) samples[index]!.push(await measure(servers[index]!, seconds));
    onRound(round);
  }
}

/**
 * Measures servers side by side in `sets` fresh sets of processes, one set after another, `rounds` in
 * all: identical servers in separate processes differ by up to ~15% in CPU per request (memory layout),
 * and with a single process per server that luck would shift every ratio of the run. Each set starts
 * every server of `starters` in order, warms them up, measures its share of the rounds and stops them.
 * Returns each server's samples, in the order of `starters`.
 */
export async function measureInProcessSets(
  starters: ReadonlyArray<() => Promise<ServerProcess>>,
  options: { rounds: number; sets: number; seconds: number; warmUpSeconds: number },
  onRound: (round: number, set: number) => void,
): Promise<Sample[][]> {
  const samples = starters.map((): Sample[] => []);
  const sets = Math.min(options.rounds, options.sets);
  for (let set = 0; set < sets; set++) {
    const servers: ServerProcess[] = [];
    try {
      for (const start of starters) servers.push(await start());
      // Warm-up: JIT, connection pools, the exporters' first batches.
      for (const server of servers) await drive(`${server.url}/items/42`, { seconds: options.warmUpSeconds });
      const setRounds =
        Math.round(((set + 1) * options.rounds) / sets) - Math.round((set * options.rounds) / sets);
      await measureRounds(servers, samples, setRounds, options.seconds, (round) => onRound(round, set));
    } finally {
      await Promise.all(servers.map((server) => server.stop()));
    }
  }
  return samples;
}

export type NumericKey = { [K in keyof Sample]: Sample[K] extends number ? K : never }[keyof Sample];

/** The median of the per-round ratios of `s` to `base`: the figure to quote on this machine. */
export function roundRatio(s: readonly Sample[], base: readonly Sample[], key: NumericKey): number {
  return median(s.map((x, r) => x[key] / base[r]![key]));
}

/**
 * A markdown table of servers measured side by side, each row's ratios to the first server's samples
 * (the ad-hoc drivers floor.ts and ab-worktree.ts print it; the suite itself writes BenchRows).
 */
export function ratioTable(rows: ReadonlyArray<{ label: string; samples: readonly Sample[] }>): string {
  const base = rows[0]!.samples;
  const lines = [
    '| server | req/s | req/s ratio | CPU µs/req | CPU ratio | CPU µs/req at 3000 req/s | ratio at 3000 |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const { label, samples: s } of rows) {
    lines.push(
      `| ${label} | ${Math.round(median(s.map((x) => x.rps)))} | ${roundRatio(s, base, 'rps').toFixed(2)} | ${median(s.map((x) => x.cpuUsPerRequest)).toFixed(1)} | ${roundRatio(s, base, 'cpuUsPerRequest').toFixed(2)} | ${median(s.map((x) => x.fixedRateCpuUsPerRequest)).toFixed(1)} | ${roundRatio(s, base, 'fixedRateCpuUsPerRequest').toFixed(2)} |`,
    );
  }
  return lines.join('\n');
}

/** How many sets of processes each server runs in, in turn (BENCH_HTTP_PROCESSES, default 3). */
export function processSets(): number {
  const raw = process.env.BENCH_HTTP_PROCESSES ?? '3';
  const count = Number(raw);
  if (!Number.isInteger(count) || count < 1) {
    throw new Error(`BENCH_HTTP_PROCESSES must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return count;
}

export const httpSuite: Suite = {
  name: 'http',
  title: 'HTTP servers: bare vs peer stack vs dynotel',
  description: [
    'Each server in its own process pinned to core 0 (`taskset -c 0`), autocannon 9 in the harness pinned to core 1, 32 keep-alive connections over loopback, `GET /items/42` returning a small JSON body.',
    "`value` is the median req/s (higher is better) or the median server CPU µs per request (user+system from the server's `process.cpuUsage()`, lower is better); `ratio to peer` is the ratio to bare of the medians, `round ratio` the median of the per-round ratios to bare (the figure to quote: variants run interleaved in every round); p99 is the load generator's latency.",
    'Every variant runs in three processes in turn (a third of the rounds each, BENCH_HTTP_PROCESSES): identical servers in separate processes differ by up to ~15% in CPU per request, which a single bare process would pass on to every ratio.',
    `Each round measures every server twice: at saturation (as fast as it answers: throughput, CPU and user CPU per request) and at a fixed offered load of ${FIXED_RATE} req/s (CPU per request). At saturation a slower server also pays, in its system time, the kernel's loopback delivery and the wake-up of a load generator that is idle between its responses; at a fixed rate every server answers the same requests at the same pace. User CPU leaves the kernel out entirely.`,
    'Peer stack: @opentelemetry/sdk-node 0.301 + instrumentation-http 0.301 (+ @fastify/otel 0.21.2) exporting with exporter-trace-otlp-grpc 0.301, prom-client 15.1.3 counter + histogram, pino 10.4.0 access line with trace ids (async destination). dynotel: `init()` + the Fastify plugin / Express middleware, 100% sampled (or 10% parent-based ratio), spans and log records exported over OTLP/gRPC, JSONL access line, request id; metrics-only = OTEL_SDK_DISABLED and access lines filtered out. Every exporter sends to the same OTLP/gRPC sink in another process. Access lines go to /dev/null.',
    "Floor 4 and floor 5 are bench/http/servers/floor.ts at those levels: the targets' work written by hand on the bare framework, without dynotel or OpenTelemetry (floor 4: request id, one context frame, trace ids, a 10% decision, RED metrics, a plain pino access line with the ids; floor 5: the same with every request's span encoded in one fixed layout and exported over gRPC). A target a floor does not reach here is out of reach for any implementation (ANALYSIS.md).",
    canPin ? '' : '**taskset is missing: servers and load generator ran unpinned.**',
  ].join('\n\n'),
  async run(context) {
    // Many short rounds rather than a few long ones: this machine's speed flips between two levels
    // ~30% apart every few seconds, so a ratio is only sound as the median of many rounds.
    const seconds = context.smoke ? 0.5 : Number(process.env.BENCH_HTTP_SECONDS ?? 2);
    const rounds = context.smoke ? context.rounds : Number(process.env.BENCH_HTTP_ROUNDS ?? 15);
    const pinned = pinSelf('1');
    context.log(
      `  http: ${pinned ? 'servers on core 0, load generator on core 1' : 'unpinned (no taskset)'}`,
    );
    const sink = await startOtlpSink();
    // BENCH_SINK_CORE=0 moves the OTLP sink onto the servers' core (default: beside the load generator).
    if (process.env.BENCH_SINK_CORE !== undefined) pinPid(sink.pid, process.env.BENCH_SINK_CORE);
    try {
      const env = { BENCH_OTLP_ENDPOINT: sink.endpoint };
      const samples = await measureInProcessSets(
        HTTP_VARIANTS.map(
          (variant) => () =>
            startServer(variant.server, {
              env: { ...env, ...variant.env },
              // Its access lines go where every other dynotel server's go: /dev/null.
              ...(variant.zeroCode ? { nodeArgs: ['--import', ZERO_CODE_PRELOAD], discardStdout: true } : {}),
            }),
        ),
        {
          rounds,
          sets: context.smoke ? 1 : processSets(),
          seconds,
          warmUpSeconds: context.smoke ? 0.2 : 2,
        },
        (round, set) => context.log(`  http: round ${round + 1}/${rounds} (processes ${set + 1})`),
      );
      return rowsOf(samples);
    } finally {
      await sink.stop();
      pinSelf('0-1023');
    }
  },
};

function rowsOf(samples: readonly Sample[][]): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const framework of ['fastify', 'express'] as const) {
    const bareIndex = HTTP_VARIANTS.findIndex((v) => v.framework === framework && v.impl === 'bare');
    if (bareIndex === -1) continue;
    const bare = samples[bareIndex]!;
    const variants = HTTP_VARIANTS.map((v, i) => ({ v, s: samples[i]! })).filter(
      ({ v }) => v.framework === framework,
    );
    for (const { v, s } of variants) {
      rows.push({
        suite: 'http',
        case: `${framework}: throughput`,
        impl: v.impl,
        value: median(s.map((x) => x.rps)),
        unit: 'req/s',
        extra: { 'round ratio': roundRatio(s, bare, 'rps'), 'p99 ms': median(s.map((x) => x.p99Ms)) },
      });
    }
    for (const { v, s } of variants) {
      rows.push({
        suite: 'http',
        case: `${framework}: server CPU per request`,
        impl: v.impl,
        value: median(s.map((x) => x.cpuUsPerRequest)),
        unit: 'µs',
        extra: { 'round ratio': roundRatio(s, bare, 'cpuUsPerRequest') },
      });
    }
    for (const { v, s } of variants) {
      rows.push({
        suite: 'http',
        case: `${framework}: server user CPU per request`,
        impl: v.impl,
        value: median(s.map((x) => x.userCpuUsPerRequest)),
        unit: 'µs',
        extra: { 'round ratio': roundRatio(s, bare, 'userCpuUsPerRequest') },
      });
    }
    for (const { v, s } of variants) {
      const keptUp = s.every((x) => x.fixedRateKeptUp);
      rows.push({
        suite: 'http',
        case: `${framework}: server CPU per request at ${FIXED_RATE} req/s`,
        impl: keptUp ? v.impl : `${v.impl} (fell behind the rate)`,
        value: median(s.map((x) => x.fixedRateCpuUsPerRequest)),
        unit: 'µs',
        extra: { 'round ratio': roundRatio(s, bare, 'fixedRateCpuUsPerRequest') },
      });
    }
  }
  return rows;
}
