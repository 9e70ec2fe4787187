/**
 * Issue #23's HTTP targets counted over a run's matrix tables: for each target, the cells that meet it
 * beside the cells its floor meets, the median and worst cell, and the median gap to the floor (all 24
 * cells, then those with and without an incoming `traceparent`). Reads the markdown the runner prints,
 * so a run recorded only as markdown (a second run) is counted as RESULTS.md is.
 *
 *   pnpm exec node bench/targets.ts bench/RESULTS.md
 */
import { readFileSync } from 'node:fs';

type Row = Record<string, string>;

const FLOOR_1 = 'floor 1: request id + close';
const FLOOR_4 = 'floor 4: + frame, access line, trace ids, RED metrics';
const FLOOR_5 = 'floor 5: + a span per request over OTLP/gRPC';

const TABLES = {
  throughput: ': req/s, paired ratio to bare',
  cpu: ': server CPU per request, paired ratio to bare',
  fixedRateCpu: ': server CPU per request at a fixed offered load',
} as const;

interface Target {
  readonly framework: 'fastify' | 'express';
  readonly table: keyof typeof TABLES;
  readonly column: string;
  /** A ratio at least this (throughput) or at most this (CPU). */
  readonly bound: number;
  readonly floor: string;
  /** Only the cells with (true) or without (false) an incoming traceparent; all three splits if unset. */
  readonly traceparent?: boolean;
}

const FULL_COLUMNS = ['full (CJS)', 'full (ESM)', '--require register', '--import register'];
const TARGETS: readonly Target[] = [
  { framework: 'fastify', table: 'throughput', column: 'metrics-only', bound: 0.85, floor: FLOOR_1 },
  ...FULL_COLUMNS.map(
    (column): Target => ({ framework: 'fastify', table: 'throughput', column, bound: 0.5, floor: FLOOR_5 }),
  ),
  { framework: 'fastify', table: 'cpu', column: 'full (CJS)', bound: 2, floor: FLOOR_5 },
  { framework: 'fastify', table: 'fixedRateCpu', column: 'full (CJS)', bound: 2, floor: FLOOR_5 },
  // Without a traceparent 10% sampling records one span in ten (floor 4's work and a tenth of a span);
  // with a sampled one, parent-based sampling records every span: floor 5's work.
  {
    framework: 'fastify',
    table: 'throughput',
    column: '10% sampled',
    bound: 0.7,
    floor: FLOOR_4,
    traceparent: false,
  },
  {
    framework: 'fastify',
    table: 'throughput',
    column: '10% sampled',
    bound: 0.7,
    floor: FLOOR_5,
    traceparent: true,
  },
  { framework: 'express', table: 'throughput', column: 'metrics-only', bound: 0.9, floor: FLOOR_1 },
  ...FULL_COLUMNS.map(
    (column): Target => ({ framework: 'express', table: 'throughput', column, bound: 0.6, floor: FLOOR_5 }),
  ),
];

/** The rows of the first table under a heading containing `title`, keyed by column header. */
function tableRows(markdown: string, title: string): Row[] | undefined {
  const lines = markdown.split('\n');
  const at = lines.findIndex((line) => line.startsWith('#') && line.includes(title));
  if (at === -1) return undefined;
  const start = lines.findIndex((line, i) => i > at && line.startsWith('|'));
  const cells = (line: string) =>
    line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
  const header = cells(lines[start] as string);
  const rows: Row[] = [];
  for (let i = start + 2; i < lines.length && (lines[i] as string).startsWith('|'); i++) {
    const values = cells(lines[i] as string);
    rows.push(Object.fromEntries(header.map((name, c) => [name, values[c] ?? ''])));
  }
  return rows;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

const signed = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(2)}`;

const file = process.argv[2];
if (file === undefined) {
  console.error('usage: node bench/targets.ts <results markdown, e.g. bench/RESULTS.md>');
  process.exit(2);
}
const markdown = readFileSync(file, 'utf8');
console.log('| target | cells | cells met (floor met) | median | worst | median gap to the floor |');
console.log('|---|---|---|---|---|---|');
for (const target of TARGETS) {
  const rows = tableRows(markdown, `${target.framework}${TABLES[target.table]}`);
  if (rows === undefined || rows.length === 0 || !(target.column in (rows[0] as Row))) continue;
  const splits = target.traceparent === undefined ? [undefined, true, false] : [target.traceparent];
  const atMost = target.table !== 'throughput';
  const meets = (value: number) => (atMost ? value <= target.bound : value >= target.bound);
  for (const split of splits) {
    const pairs = rows
      .filter((row) => split === undefined || (row.cell ?? '').includes('+traceparent') === split)
      .map((row) => ({ value: Number(row[target.column]), floor: Number(row[target.floor]) }))
      .filter((pair) => Number.isFinite(pair.value) && Number.isFinite(pair.floor));
    if (pairs.length === 0) continue;
    const values = pairs.map((pair) => pair.value);
    const worst = atMost ? Math.max(...values) : Math.min(...values);
    const cells = split === undefined ? 'all' : split ? 'with traceparent' : 'without';
    const met = `${values.filter(meets).length}/${pairs.length} (${pairs.filter((p) => meets(p.floor)).length})`;
    const gap = signed(median(pairs.map((pair) => pair.value - pair.floor)));
    console.log(
      `| ${target.framework} ${target.column} ${atMost ? '≤' : '≥'} ${target.bound}×${target.table === 'throughput' ? '' : target.table === 'cpu' ? ' CPU' : ' CPU at the fixed rate'} | ${cells} | ${met} | ${median(values).toFixed(2)} | ${worst.toFixed(2)} | ${gap} (${target.floor.slice(0, 7)}) |`,
    );
  }
}
