/**
 * The HTTP matrix: every app as a user runs it (bench/http/apps/: the README's code on the built CJS
 * and ESM packages, `--require`/`--import dynotel/register` on the unmodified app, the peer stack),
 * stdout to /dev/null, no IPC channel, each pinned to core 0; autocannon in this process on core 1,
 * the OTLP/gRPC sink beside it. Every cell (connections × route × body size × traceparent) measures
 * every app in turn, round after round, in fresh process sets.
 */

import { type Framework, matrixApps, narrowed } from '../http/apps/variants.ts';
import {
  type Cell,
  cellName,
  FULL_MATRIX,
  measureMatrix,
  pairedRatio,
  QUICK_MATRIX,
} from '../http/matrix.ts';
import { floorOf, HTTP_TARGETS, targetName } from '../http/targets.ts';
import type { AppSpec } from '../lib/app-process.ts';
import { startOtlpSink } from '../lib/otlp-sink.ts';
import { canPin, pinSelf } from '../lib/server-process.ts';
import { median } from '../lib/stats.ts';
import type { BenchRow, Suite } from '../lib/types.ts';

const MiB = 2 ** 20;
/** CPU per request is also measured at this offered load in cells of ≥ 10 connections (0: not). */
const FIXED_RATE = Number(process.env.BENCH_HTTP_FIXED_RATE ?? 2000);
const FRAMEWORKS: readonly Framework[] = ['fastify', 'express'];

function smokeCells(): Cell[] {
  return [
    { connections: 10, route: 'static', size: 'small', traceparent: false },
    { connections: 1, route: 'parametric', size: '16KiB', traceparent: true },
  ];
}

export const httpSuite: Suite = {
  name: 'http',
  usesBuiltPackages: true,
  title: 'HTTP servers as users run them: the matrix',
  description: [
    'Every app starts as a user starts it: `node app.cjs` with dynotel as the README shows (`init()` without options, the plugin / middleware) on the BUILT packages (CommonJS, and ESM for `full (ESM)`), or the unmodified bare app under `node --require dynotel/register` / `node --import dynotel/register`; configured by the environment alone, stdout redirected to /dev/null by the harness, no IPC channel. Apps: bench/http/apps/.',
    'full: `OTEL_EXPORT_ENABLED=true OTEL_LOGS_EXPORTER=none DYN_LOGGING_JSONL=true` with spans to the OTLP/gRPC sink; 10% sampled: full + `parentbased_traceidratio` 0.1; metrics-only: `OTEL_SDK_DISABLED=true DYN_LOG=warn`. Peer stack: OpenTelemetry sdk-node + instrumentation-http (+ @fastify/otel), prom-client, pino (bench/http/servers/*-peer.ts).',
    `Each app in its own process ${canPin ? 'pinned to core 0' : '(unpinned: taskset is missing)'}, autocannon 9 in the harness on core 1, the sink beside it. Cells: connections {1, 10, 32} × route (\`/\` static, \`/items/:id\` parametric) × body (\`{"hello":"world"}\`-sized, 16 KiB JSON) × with/without a sampled incoming \`traceparent\`. In every round every cell measures every app in turn (order reversed every other round); rounds are spread over fresh process sets.`,
    `Ratios are paired: the median over rounds of (app ÷ bare in the same round and cell). CPU per request is the run time of the app's threads (/proc/<pid>/task/<tid>/schedstat, nanoseconds) over the requests it completed, at saturation and, in cells of ≥ 10 connections, at a fixed offered load of ${FIXED_RATE} req/s (BENCH_HTTP_FIXED_RATE; 0 skips it), where a slower app is not also charged the loopback wake-ups of an idle load generator. RSS: VmRSS after the set's load and VmHWM (peak), median over process sets.`,
  ].join('\n\n'),
  async run(context) {
    const seconds = context.smoke ? 0.3 : Number(process.env.BENCH_HTTP_SECONDS ?? 2);
    const rounds = context.smoke ? 1 : Number(process.env.BENCH_HTTP_ROUNDS ?? context.rounds);
    const cells = context.smoke ? smokeCells() : context.quick ? QUICK_MATRIX : FULL_MATRIX;
    pinSelf('1');
    const sink = await startOtlpSink();
    const rows: BenchRow[] = [];
    try {
      for (const framework of FRAMEWORKS) {
        const apps = narrowed(matrixApps(framework, sink.endpoint));
        context.log(`  http ${framework}: ${apps.length} apps × ${cells.length} cells × ${rounds} rounds`);
        const result = await measureMatrix(apps, {
          cells,
          rounds,
          sets: context.smoke ? 1 : Number(process.env.BENCH_HTTP_PROCESSES ?? 2),
          seconds,
          warmUpSeconds: context.smoke ? 0.4 : 2,
          fixedRate: FIXED_RATE,
          log: (m) => context.log(`  http ${framework}:${m}`),
        });
        rows.push(...rowsOf(framework, apps, cells, result));
      }
    } finally {
      await sink.stop();
      pinSelf('0-1023');
    }
    return rows;
  },
  render: renderMatrix,
};

function rowsOf(
  framework: Framework,
  apps: readonly AppSpec[],
  cells: readonly Cell[],
  result: Awaited<ReturnType<typeof measureMatrix>>,
): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const [c, cell] of cells.entries()) {
    const bare = result.samples[c]![0]!;
    for (const [a, app] of apps.entries()) {
      const s = result.samples[c]![a]!;
      rows.push({
        suite: 'http',
        case: `${framework}: ${cellName(cell)}`,
        impl: app.label,
        value: median(s.map((x) => x.rps)),
        unit: 'req/s',
        extra: {
          'round ratio': pairedRatio(s, bare, 'rps'),
          'CPU µs/req': median(s.map((x) => x.cpuUsPerRequest)),
          'CPU ratio': pairedRatio(s, bare, 'cpuUsPerRequest'),
          'p99 ms': median(s.map((x) => x.p99Ms)),
          'fixed-rate CPU µs/req': median(s.map((x) => x.fixedRateCpuUsPerRequest)),
          'fixed-rate CPU ratio': pairedRatio(s, bare, 'fixedRateCpuUsPerRequest'),
        },
      });
    }
  }
  const bareRss = median(result.rss[0]!);
  for (const [a, app] of apps.entries()) {
    const rss = median(result.rss[a]!);
    rows.push({
      suite: 'http',
      case: `${framework}: RSS under load`,
      impl: app.label,
      value: rss / MiB,
      unit: 'MiB',
      extra: { 'peak MiB': median(result.peakRss[a]!) / MiB, 'minus bare MiB': (rss - bareRss) / MiB },
    });
  }
  return rows;
}

function fmt(value: number | undefined, digits = 2): string {
  return value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

/** One table per framework and figure: cells down, apps across; then RSS; then the targets' verdicts. */
function renderMatrix(rows: readonly BenchRow[]): string | undefined {
  if (!rows.some((r) => r.extra?.['CPU ratio'] !== undefined)) return undefined;
  const out: string[] = [];
  for (const framework of FRAMEWORKS) {
    const mine = rows.filter((r) => r.case.startsWith(`${framework}: `));
    const cellRows = mine.filter((r) => r.unit === 'req/s');
    if (cellRows.length === 0) continue;
    const labels = [...new Set(cellRows.map((r) => r.impl))];
    const cases = [...new Set(cellRows.map((r) => r.case))];
    const table = (title: string, baseFigure: (r: BenchRow) => string, figure: (r: BenchRow) => string) => {
      out.push(`### ${framework}: ${title}`, '');
      out.push(
        `| cell | bare | ${labels.slice(1).join(' | ')} |`,
        `|---|${labels.map(() => '---|').join('')}`,
      );
      for (const name of cases) {
        const byImpl = new Map(cellRows.filter((r) => r.case === name).map((r) => [r.impl, r]));
        const cellsOut = labels.map((label, i) => {
          const row = byImpl.get(label);
          return row === undefined ? '–' : i === 0 ? baseFigure(row) : figure(row);
        });
        out.push(`| ${name.slice(framework.length + 2)} | ${cellsOut.join(' | ')} |`);
      }
      out.push('');
    };
    table(
      'req/s, paired ratio to bare (bare: req/s)',
      (r) => fmt(r.value, 0),
      (r) => fmt(r.extra?.['round ratio']),
    );
    table(
      'server CPU per request, paired ratio to bare (bare: µs)',
      (r) => fmt(r.extra?.['CPU µs/req'], 1),
      (r) => fmt(r.extra?.['CPU ratio']),
    );
    if (cellRows.some((r) => Number.isFinite(r.extra?.['fixed-rate CPU ratio']))) {
      table(
        'server CPU per request at a fixed offered load (BENCH_HTTP_FIXED_RATE, cells of ≥ 10 connections), paired ratio to bare (bare: µs)',
        (r) => fmt(r.extra?.['fixed-rate CPU µs/req'], 1),
        (r) => fmt(r.extra?.['fixed-rate CPU ratio']),
      );
    }
    table(
      'p99 latency at saturation, ms (autocannon, whole ms)',
      (r) => fmt(r.extra?.['p99 ms'], 0),
      (r) => fmt(r.extra?.['p99 ms'], 0),
    );
    const rss = mine.filter((r) => r.unit === 'MiB');
    out.push(
      `### ${framework}: RSS under load`,
      '',
      '| app | RSS after load MiB | peak MiB | RSS minus bare MiB |',
    );
    out.push('|---|---|---|---|');
    for (const r of rss) {
      out.push(
        `| ${r.impl} | ${fmt(r.value, 0)} | ${fmt(r.extra?.['peak MiB'], 0)} | ${fmt(r.extra?.['minus bare MiB'], 0)} |`,
      );
    }
    out.push('');
  }
  out.push(...verdicts(rows));
  return out.join('\n');
}

/** Each throughput / CPU / RSS target of issue #23 against its worst cell. */
function verdicts(rows: readonly BenchRow[]): string[] {
  const lines = [
    '### Targets: the worst cell of each',
    '',
    '| framework | target | worst cell | figure | the floor in that cell | met |',
    '|---|---|---|---|---|---|',
  ];
  for (const check of HTTP_TARGETS) {
    const key = check.figure;
    const candidates = rows.filter(
      (r) =>
        r.unit === 'req/s' &&
        r.impl === check.impl &&
        r.case.startsWith(`${check.framework}: `) &&
        Number.isFinite(r.extra?.[key]),
    );
    if (candidates.length === 0) continue;
    const worst = candidates.reduce((a, b) =>
      (check.min ? b.extra![key]! < a.extra![key]! : b.extra![key]! > a.extra![key]!) ? b : a,
    );
    const figure = worst.extra![key]!;
    const met = check.min ? figure >= check.bound : figure <= check.bound;
    // The floor of this target (servers/floor.ts, by hand, no dynotel) in the same cell of the same run.
    const floorLabel = floorOf(check.impl, worst.case.includes('+traceparent'));
    const floor = rows.find((r) => r.unit === 'req/s' && r.impl === floorLabel && r.case === worst.case);
    const floorText = floor === undefined ? '–' : `${fmt(floor.extra?.[key])} (${floorLabel})`;
    lines.push(
      `| ${check.framework} | ${targetName(check)} | ${worst.case.slice(check.framework.length + 2)} | ${fmt(figure)} | ${floorText} | ${met ? 'yes' : '**no**'} |`,
    );
  }
  for (const framework of FRAMEWORKS) {
    const full = rows.find(
      (r) => r.unit === 'MiB' && r.impl === 'full (CJS)' && r.case.startsWith(`${framework}: `),
    );
    if (full === undefined) continue;
    const added = full.extra!['minus bare MiB']!;
    const floorLabel = floorOf('full (CJS)', false);
    const floor = rows.find(
      (r) => r.unit === 'MiB' && r.impl === floorLabel && r.case.startsWith(`${framework}: `),
    );
    const floorText =
      floor === undefined ? '–' : `+${fmt(floor.extra?.['minus bare MiB'], 0)} MiB (${floorLabel})`;
    lines.push(
      `| ${framework} | RSS full ≤ bare + 40 MB | under load | +${fmt(added, 0)} MiB | ${floorText} | ${added * MiB <= 40e6 ? 'yes' : '**no**'} |`,
    );
  }
  lines.push('');
  return lines;
}
