/**
 * Issue #23's HTTP targets counted over a run's matrix tables: for each target, the cells that meet it
 * beside the cells its floor meets, the median and worst cell, and the median gap to the floor (all 24
 * cells, then those with and without an incoming `traceparent`). Reads the markdown the runner prints,
 * so a run recorded only as markdown (a second run) is counted as RESULTS.md is.
 */
import { median } from './stats.ts';

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
export function tableRows(markdown: string, title: string): Row[] | undefined {
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

export interface TargetCount {
  /** `fastify full (CJS) ≥ 0.5×`, `… ≤ 2× CPU`. */
  readonly target: string;
  readonly cells: 'all' | 'with traceparent' | 'without';
  readonly total: number;
  readonly met: number;
  /** The cells where the target's floor meets the target. */
  readonly floorMet: number;
  readonly median: number;
  readonly worst: number;
  /** The median over cells of (figure − floor). */
  readonly gapToFloor: number;
  /** `floor 1`, `floor 4`, `floor 5`. */
  readonly floor: string;
}

const TABLE_NAMES: Record<keyof typeof TABLES, string> = {
  throughput: '',
  cpu: ' CPU',
  fixedRateCpu: ' CPU at the fixed rate',
};

/** Every target whose table and column the markdown has, counted per split of the cells. */
export function countTargets(markdown: string): TargetCount[] {
  const counts: TargetCount[] = [];
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
      counts.push({
        target: `${target.framework} ${target.column} ${atMost ? '≤' : '≥'} ${target.bound}×${TABLE_NAMES[target.table]}`,
        cells: split === undefined ? 'all' : split ? 'with traceparent' : 'without',
        total: pairs.length,
        met: values.filter(meets).length,
        floorMet: pairs.filter((pair) => meets(pair.floor)).length,
        median: median(values),
        worst: atMost ? Math.max(...values) : Math.min(...values),
        gapToFloor: median(pairs.map((pair) => pair.value - pair.floor)),
        floor: target.floor.slice(0, target.floor.indexOf(':')),
      });
    }
  }
  return counts;
}

const signed = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(2)}`;

/** The counts as a markdown table. */
export function renderTargetCounts(counts: readonly TargetCount[]): string {
  const lines = [
    '| target | cells | cells met (floor met) | median | worst | median gap to the floor |',
    '|---|---|---|---|---|---|',
  ];
  for (const c of counts) {
    lines.push(
      `| ${c.target} | ${c.cells} | ${c.met}/${c.total} (${c.floorMet}) | ${c.median.toFixed(2)} | ${c.worst.toFixed(2)} | ${signed(c.gapToFloor)} (${c.floor}) |`,
    );
  }
  return lines.join('\n');
}
