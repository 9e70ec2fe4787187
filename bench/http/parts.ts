/**
 * What each part of full telemetry costs a server in the users' setup, beside the floors that do the
 * same work by hand: bare, floor 4 (frame, access line, trace ids, RED metrics), floor 5 (+ a span per
 * request over OTLP/gRPC), full, and full with one part switched off by its documented variable — the
 * access line (`DYN_LOG=warn`), the export (`OTEL_EXPORT_ENABLED=false`: spans recorded, not exported),
 * the span (`OTEL_TRACES_SAMPLER=always_off`: ids and context only) — and metrics-only. Measured side by
 * side in the same rounds and cells (http/matrix.ts); CPU per request is the server's, all threads.
 *
 *   pnpm exec node --conditions=@dynotel/source bench/http/parts.ts [fastify|express] [rounds=12] [seconds=2] [sets=3]
 *
 * The difference between two rows is what that part adds, in µs of server CPU per request: compare it
 * with what the part costs in a loop (`direct-cost.ts`) to see how much more it costs in a server.
 * Needs `pnpm build`.
 */
import type { AppSpec } from '../lib/app-process.ts';
import { assertBuilt } from '../lib/built.ts';
import { startOtlpSink } from '../lib/otlp-sink.ts';
import { pinSelf } from '../lib/server-process.ts';
import { median } from '../lib/stats.ts';
import { type Framework, fullEnv, METRICS_ONLY_ENV, matrixApps } from './apps/variants.ts';
import { type Cell, cellName, measureSideBySide, pairedRatio } from './matrix.ts';

const framework = (process.argv[2] ?? 'fastify') as Framework;
const [rounds = 12, seconds = 2, sets = 3] = process.argv.slice(3).map(Number);
if (framework !== 'fastify' && framework !== 'express')
  throw new Error(`usage: parts.ts [fastify|express] [rounds] [seconds] [sets], got ${process.argv[2]}`);
const CELLS: readonly Cell[] = [
  { connections: 10, route: 'static', size: 'small', traceparent: false },
  { connections: 32, route: 'parametric', size: 'small', traceparent: false },
];

assertBuilt();
pinSelf('1');
const sink = await startOtlpSink();
const full = fullEnv(sink.endpoint);
const script = `http/apps/${framework}-dynotel.cjs`;
const apps = matrixApps(framework, sink.endpoint);
const app = (id: string): AppSpec => {
  const spec = apps.find((candidate) => candidate.id === `${framework}-${id}`);
  if (spec === undefined) throw new Error(`no app ${framework}-${id} in the matrix`);
  return spec;
};
const specs: AppSpec[] = [
  app('bare'),
  app('floor-4'),
  app('floor-5'),
  { id: 'full', label: 'full', script, env: full },
  { id: 'no-line', label: 'full − access line (DYN_LOG=warn)', script, env: { ...full, DYN_LOG: 'warn' } },
  {
    id: 'no-export',
    label: 'full − export (OTEL_EXPORT_ENABLED=false)',
    script,
    env: { ...full, OTEL_EXPORT_ENABLED: 'false' },
  },
  {
    id: 'no-span',
    label: 'full − span (OTEL_TRACES_SAMPLER=always_off)',
    script,
    env: { ...full, OTEL_TRACES_SAMPLER: 'always_off' },
  },
  { id: 'metrics-only', label: 'metrics-only', script, env: METRICS_ONLY_ENV },
];
try {
  const result = await measureSideBySide(specs, CELLS, { rounds, sets, seconds });
  const lines = [
    `${framework}: ${rounds} rounds in ${sets} process sets, ${seconds} s per measurement.`,
    '',
    '| cell | server | req/s | req/s ÷ bare | CPU µs/req | CPU ÷ bare | CPU µs/req over bare |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const [c, cell] of CELLS.entries()) {
    const row = result.samples[c]!;
    const bareCpu = median(row[0]!.map((x) => x.cpuUsPerRequest));
    for (const [i, spec] of specs.entries()) {
      const s = row[i]!;
      const cpu = median(s.map((x) => x.cpuUsPerRequest));
      const cpuRatio = pairedRatio(s, row[0]!, 'cpuUsPerRequest');
      lines.push(
        `| ${cellName(cell)} | ${spec.label} | ${Math.round(median(s.map((x) => x.rps)))} | ${pairedRatio(s, row[0]!, 'rps').toFixed(2)} | ${cpu.toFixed(1)} | ${cpuRatio.toFixed(2)} | ${((cpuRatio - 1) * bareCpu).toFixed(1)} |`,
      );
    }
  }
  console.log(lines.join('\n'));
} finally {
  await sink.stop();
  pinSelf('0-1023');
}
