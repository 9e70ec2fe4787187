/**
 * Issue #23's HTTP targets counted over a run's matrix tables: for each target, the cells that meet it
 * beside the cells its floor meets, the median and worst cell, and the median gap to the floor (all 24
 * cells, then those with and without an incoming `traceparent`). Reads the markdown the runner prints,
 * so a run recorded only as markdown (a second run) is counted as RESULTS.md is.
 */
import {
  FULL_TELEMETRY_APPS,
  floorOf,
  HTTP_TARGETS,
  type HttpTarget,
  type TargetFigure,
  targetName,
} from '../http/targets.ts';
import { median } from './stats.ts';

type Row = Record<string, string>;

/** The matrix table (after `### <framework>`) that carries each figure. */
const TABLES: Record<TargetFigure, string> = {
  'round ratio': ': req/s, paired ratio to bare',
  'CPU ratio': ': server CPU per request, paired ratio to bare',
  'fixed-rate CPU ratio': ': server CPU per request at a fixed offered load',
};

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

export interface TargetCount {
  /** `fastify full (ESM) ≥ 0.5× req/s`. */
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

/** The columns a target holds: its app, and for full's req/s the other apps with full telemetry. */
function columnsOf(target: HttpTarget): readonly string[] {
  return target.impl === 'full (CJS)' && target.figure === 'round ratio'
    ? [target.impl, ...FULL_TELEMETRY_APPS]
    : [target.impl];
}

/**
 * Every target whose table and column the markdown has, counted over all cells and over the cells with
 * and without an incoming traceparent (only the two when the floor differs between them).
 */
export function countTargets(markdown: string): TargetCount[] {
  const counts: TargetCount[] = [];
  for (const target of HTTP_TARGETS) {
    const rows = tableRows(markdown, `${target.framework}${TABLES[target.figure]}`);
    if (rows === undefined || rows.length === 0) continue;
    const meets = (value: number) => (target.min ? value >= target.bound : value <= target.bound);
    const floorSplits = floorOf(target.impl, true) !== floorOf(target.impl, false);
    const splits = floorSplits ? [true, false] : [undefined, true, false];
    for (const column of columnsOf(target)) {
      if (!(column in (rows[0] as Row))) continue;
      for (const split of splits) {
        const floor = floorOf(target.impl, split === true) as string;
        const pairs = rows
          .filter((row) => split === undefined || (row.cell ?? '').includes('+traceparent') === split)
          .map((row) => ({ value: Number(row[column]), floor: Number(row[floor]) }))
          .filter((pair) => Number.isFinite(pair.value) && Number.isFinite(pair.floor));
        if (pairs.length === 0) continue;
        const values = pairs.map((pair) => pair.value);
        counts.push({
          target: `${target.framework} ${targetName(target, column)}`,
          cells: split === undefined ? 'all' : split ? 'with traceparent' : 'without',
          total: pairs.length,
          met: values.filter(meets).length,
          floorMet: pairs.filter((pair) => meets(pair.floor)).length,
          median: median(values),
          worst: target.min ? Math.min(...values) : Math.max(...values),
          gapToFloor: median(pairs.map((pair) => pair.value - pair.floor)),
          floor: floor.slice(0, floor.indexOf(':')),
        });
      }
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
