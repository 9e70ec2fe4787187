/**
 * What subscribing to the diagnostics channels of the zero-code instrumentation costs a bare server,
 * with no-op subscribers and none of dynotel's work (apps/subscribe-channels.cjs), side by side in the
 * same rounds: `http.server.request.start` (Node publishes it only while it has a subscriber) and Fastify's
 * `tracing:fastify.request.handler:start` (with a subscriber, Fastify runs every handler through its
 * tracing channel).
 *
 *   pnpm exec node bench/http/channel-cost.ts [fastify|express] [rounds=10] [seconds=1] [sets=2]
 */
import type { AppSpec } from '../lib/app-process.ts';
import { pinSelf } from '../lib/server-process.ts';
import { median } from '../lib/stats.ts';
import { bareApp } from './apps/variants.ts';
import { type Cell, cellName, measureSideBySide, pairedRatio } from './matrix.ts';

const [framework = 'fastify', ...rest] = process.argv.slice(2);
const [rounds = 10, seconds = 1, sets = 2] = rest.map(Number);
if (framework !== 'fastify' && framework !== 'express') throw new Error(`framework: ${framework}`);
const CELLS: readonly Cell[] = [
  { connections: 10, route: 'static', size: 'small', traceparent: false },
  { connections: 32, route: 'parametric', size: 'small', traceparent: false },
];
const PRELOAD = ['--require', './http/apps/subscribe-channels.cjs'];
const withChannels = (id: string, channels: string): AppSpec => ({
  ...bareApp(framework),
  id,
  label: `bare + no-op subscriber: ${channels}`,
  nodeArgs: PRELOAD,
  env: { BENCH_CHANNELS: channels },
});
const specs: AppSpec[] = [
  bareApp(framework),
  withChannels('server-start', 'http.server.request.start'),
  withChannels('fastify-handler', 'tracing:fastify.request.handler:start'),
  withChannels('both', 'http.server.request.start,tracing:fastify.request.handler:start'),
];

pinSelf('1');
try {
  const result = await measureSideBySide(specs, CELLS, { rounds, sets, seconds });
  const lines = [
    `${framework}, no-op channel subscribers: ${rounds} rounds in ${sets} process sets, ${seconds} s each.`,
    '',
    '| cell | variant | req/s | req/s ÷ bare | CPU ÷ bare |',
    '|---|---|---|---|---|',
  ];
  for (const [c, cell] of CELLS.entries()) {
    const row = result.samples[c]!;
    for (const [i, spec] of specs.entries()) {
      const s = row[i]!;
      lines.push(
        `| ${cellName(cell)} | ${spec.label} | ${Math.round(median(s.map((x) => x.rps)))} | ${pairedRatio(s, row[0]!, 'rps').toFixed(3)} | ${pairedRatio(s, row[0]!, 'cpuUsPerRequest').toFixed(3)} |`,
      );
    }
  }
  console.log(lines.join('\n'));
} finally {
  pinSelf('0-1023');
}
