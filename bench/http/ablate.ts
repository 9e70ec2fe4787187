/**
 * The gap between the independent harness of issue #23 and the project's former one, one variable at
 * a time: Fastify, full telemetry, every variant measured side by side in the same rounds and cells
 * (http/matrix.ts), so each variable's cost is a paired ratio against the README setup.
 *
 *   pnpm exec node bench/http/ablate.ts [rounds=20] [seconds=2] [sets=4]
 *
 * Variables: the IPC channel (bare and dynotel), `handleSignals: false`, a dedicated /dev/null file
 * descriptor as log destination, TypeScript sources vs the ESM build vs the CJS build, all of the
 * former harness's settings together; route shape and connections are the cells. Needs `pnpm build`.
 */
import type { AppSpec } from '../lib/app-process.ts';
import { assertBuilt } from '../lib/built.ts';
import { startOtlpSink } from '../lib/otlp-sink.ts';
import { pinSelf } from '../lib/server-process.ts';
import { median } from '../lib/stats.ts';
import { bareApp, fullEnv } from './apps/variants.ts';
import { type Cell, cellName, measureSideBySide, pairedRatio } from './matrix.ts';

const [rounds = 20, seconds = 2, sets = 4] = process.argv.slice(2).map(Number);
const CELLS: readonly Cell[] = [
  { connections: 10, route: 'static', size: 'small', traceparent: false },
  { connections: 10, route: 'parametric', size: 'small', traceparent: false },
  { connections: 32, route: 'static', size: 'small', traceparent: false },
  { connections: 32, route: 'parametric', size: 'small', traceparent: false },
];

assertBuilt();
pinSelf('1');
const sink = await startOtlpSink();
const full = fullEnv(sink.endpoint);
const ABLATION = 'http/apps/fastify-ablation.mjs';
const SOURCE = ['--conditions=@dynotel/source'];
const specs: AppSpec[] = [
  bareApp('fastify'),
  { ...bareApp('fastify'), id: 'bare-ipc', label: 'bare + IPC channel', ipc: true },
  { id: 'full-cjs', label: 'full, README, CJS build', script: 'http/apps/fastify-dynotel.cjs', env: full },
  {
    id: 'full-cjs-ipc',
    label: 'full CJS + IPC channel',
    script: 'http/apps/fastify-dynotel.cjs',
    env: full,
    ipc: true,
  },
  { id: 'full-esm', label: 'full, README, ESM build', script: ABLATION, env: full },
  { id: 'full-source', label: 'full, TypeScript sources', script: ABLATION, nodeArgs: SOURCE, env: full },
  {
    id: 'full-esm-nosignals',
    label: 'full ESM, handleSignals: false',
    script: ABLATION,
    env: { ...full, ABLATE_HANDLE_SIGNALS: 'false' },
  },
  {
    id: 'full-esm-logfd',
    label: 'full ESM, log fd /dev/null',
    script: ABLATION,
    env: { ...full, ABLATE_LOG_FD: 'devnull' },
  },
  {
    id: 'former',
    label: 'former harness: sources + both options + IPC',
    script: ABLATION,
    nodeArgs: SOURCE,
    env: { ...full, ABLATE_HANDLE_SIGNALS: 'false', ABLATE_LOG_FD: 'devnull' },
    ipc: true,
  },
];
const reference = specs.findIndex((s) => s.id === 'full-cjs');
try {
  const result = await measureSideBySide(specs, CELLS, { rounds, sets, seconds });
  const lines = [
    `Fastify ablations: ${rounds} rounds in ${sets} process sets, ${seconds} s per measurement.`,
    '',
    '| cell | variant | req/s | req/s ÷ its bare | CPU ÷ its bare | req/s ÷ full CJS | CPU ÷ full CJS |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const [c, cell] of CELLS.entries()) {
    const row = result.samples[c]!;
    for (const [i, spec] of specs.entries()) {
      const bare = row[spec.ipc ? 1 : 0]!;
      const s = row[i]!;
      lines.push(
        `| ${cellName(cell)} | ${spec.label} | ${Math.round(median(s.map((x) => x.rps)))} | ${pairedRatio(s, bare, 'rps').toFixed(2)} | ${pairedRatio(s, bare, 'cpuUsPerRequest').toFixed(2)} | ${pairedRatio(s, row[reference]!, 'rps').toFixed(3)} | ${pairedRatio(s, row[reference]!, 'cpuUsPerRequest').toFixed(3)} |`,
      );
    }
  }
  console.log(lines.join('\n'));
} finally {
  await sink.stop();
  pinSelf('0-1023');
}
