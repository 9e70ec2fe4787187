/**
 * The floor under the HTTP targets: `pnpm exec node --conditions=@dynotel/source bench/http/floor.ts
 * fastify|express [rounds] [seconds]` runs bench/http/servers/floor.ts at every level (the work the
 * targets require, written by hand without dynotel) beside dynotel's servers of that framework,
 * interleaved in ABBA order like the HTTP suite, and prints each one's ratios to bare. When a level of
 * required work alone is below a target, no implementation of that work meets it on this machine.
 *
 * Every server runs in BENCH_HTTP_PROCESSES (default 3) sets of fresh processes in turn, as in the HTTP
 * suite. BENCH_FLOOR_LEVELS=0,0,0 runs only those levels (repeats allowed: identical servers in separate
 * processes show how far the figures move without any difference in code). A level written `1+10` adds
 * 10 µs of pure computation per request to it (BENCH_FLOOR_SPIN_US), one written `1g3000` 3000 bytes of
 * short-lived objects (BENCH_FLOOR_GARBAGE_BYTES); `1+2g3000` adds both.
 */
import { startOtlpSink } from '../lib/otlp-sink.ts';
import { pinSelf, type ServerProcess, startServer } from '../lib/server-process.ts';
import { measureInProcessSets, processSets, ratioTable } from './ipc-rounds.ts';

const framework = process.argv[2] ?? 'fastify';
if (framework !== 'fastify' && framework !== 'express')
  throw new Error(`framework must be fastify or express, got ${framework}`);
const rounds = Number(process.argv[3] ?? 20);
const seconds = Number(process.argv[4] ?? 1);
const LEVELS = [
  'bare',
  'floor: request id header + close listener',
  'floor: + one AsyncLocalStorage frame',
  'floor: + a pino access line',
  'floor: + trace ids, 10% decision, RED metrics (no span)',
  'floor: + a span for every request, encoded and exported over gRPC by hand',
];
const DYNOTEL =
  framework === 'fastify'
    ? ['fastify-metrics-only', 'fastify-dynotel-10pct', 'fastify-dynotel']
    : ['express-metrics-only', 'express-dynotel'];
const levels = (process.env.BENCH_FLOOR_LEVELS?.split(',') ?? LEVELS.map((_, i) => String(i))).map((spec) => {
  const [levelAndSpin = '', garbageBytes = 0] = spec.split('g');
  const [level, spinUs = 0] = levelAndSpin.split('+').map(Number);
  if (!(Number(level) in LEVELS) || !Number.isFinite(spinUs) || spinUs < 0 || !(Number(garbageBytes) >= 0))
    throw new Error(
      `BENCH_FLOOR_LEVELS: ${spec} is not <level 0-${LEVELS.length - 1}>[+<spin µs>][g<garbage bytes>]`,
    );
  return { level: Number(level), spinUs, garbageBytes: Number(garbageBytes) };
});
const withDynotel = process.env.BENCH_FLOOR_LEVELS === undefined;

const sets = processSets();

pinSelf('1');
const sink = await startOtlpSink();
try {
  const servers: Array<{ label: string; start: () => Promise<ServerProcess> }> = [];
  for (const { level, spinUs, garbageBytes } of levels) {
    const env = {
      BENCH_FLOOR_FRAMEWORK: framework,
      BENCH_FLOOR_LEVEL: String(level),
      BENCH_FLOOR_SPIN_US: String(spinUs),
      BENCH_FLOOR_GARBAGE_BYTES: String(garbageBytes),
      BENCH_OTLP_ENDPOINT: sink.endpoint,
    };
    const label = `${level}: ${LEVELS[level]}${spinUs > 0 ? ` + ${spinUs} µs of computation` : ''}${Number(garbageBytes) > 0 ? ` + ${garbageBytes} bytes of garbage` : ''}`;
    servers.push({ label, start: () => startServer('floor', { env }) });
  }
  if (withDynotel) {
    const env = { BENCH_OTLP_ENDPOINT: sink.endpoint };
    for (const name of DYNOTEL) servers.push({ label: name, start: () => startServer(name, { env }) });
  }
  const samples = await measureInProcessSets(
    servers.map(({ start }) => start),
    { rounds, sets, seconds, warmUpSeconds: 2 },
    (round, set) => process.stderr.write(`round ${round + 1}/${rounds} (processes ${set + 1}/${sets})\n`),
  );
  console.log(
    `${framework}, ${rounds} rounds of ${seconds} s in ${Math.min(rounds, sets)} sets of processes, ratios are medians of per-round ratios to the first server`,
  );
  console.log(ratioTable(servers.map(({ label }, i) => ({ label, samples: samples[i]! }))));
} finally {
  await sink.stop();
  pinSelf('0-1023');
}
