/**
 * The load matrix of the HTTP suite and of the ablations: apps started as users run them
 * (lib/app-process.ts), driven by autocannon in this process over loopback, cell after cell, every app
 * in turn inside a cell (order reversed every other round), in fresh process sets one after another.
 * CPU per request is the app's own user+system time from /proc over the requests it completed.
 */
import { type AppProcess, type AppSpec, startApp } from '../lib/app-process.ts';
import { median } from '../lib/stats.ts';
import { drive } from './load.ts';

/** One load shape: what every app is measured at. */
export interface Cell {
  readonly connections: number;
  readonly route: 'static' | 'parametric';
  readonly size: 'small' | '16KiB';
  /** Every request carries a sampled W3C traceparent (a parent-based sampler then keeps all). */
  readonly traceparent: boolean;
}

export const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

export function cellPath(cell: Cell): string {
  const base = cell.route === 'static' ? '' : '/items/42';
  return cell.size === 'small' ? base || '/' : `${base}/large`;
}

export function cellName(cell: Cell): string {
  return `c${cell.connections} ${cell.route} ${cell.size}${cell.traceparent ? ' +traceparent' : ''}`;
}

/** Every combination: connections {1, 10, 32} × route × size × traceparent (24 cells). */
export const FULL_MATRIX: readonly Cell[] = [1, 10, 32].flatMap((connections) =>
  (['static', 'parametric'] as const).flatMap((route) =>
    (['small', '16KiB'] as const).flatMap((size) =>
      [false, true].map((traceparent) => ({ connections, route, size, traceparent })),
    ),
  ),
);

/** --quick: the independent harness's cell, the former harness's cell, one connection, a large traced one. */
export const QUICK_MATRIX: readonly Cell[] = [
  { connections: 10, route: 'static', size: 'small', traceparent: false },
  { connections: 32, route: 'parametric', size: 'small', traceparent: false },
  { connections: 1, route: 'static', size: 'small', traceparent: false },
  { connections: 10, route: 'parametric', size: '16KiB', traceparent: true },
];

export interface CellSample {
  readonly rps: number;
  readonly cpuUsPerRequest: number;
  readonly p99Ms: number;
  /**
   * CPU per request at the fixed offered load `MatrixOptions.fixedRate` (NaN when not measured): every
   * app answers the same requests at the same pace, so a slower app is not also charged the kernel's
   * wake-up of a load generator that idles between its responses (ANALYSIS.md, "The indirect cost").
   */
  readonly fixedRateCpuUsPerRequest: number;
}

export interface MatrixResult {
  /** samples[cell][app] lists one sample per round. */
  readonly samples: CellSample[][][];
  /** Per app, one per process set: RSS after the set's load, and its peak (VmHWM), in bytes. */
  readonly rss: number[][];
  readonly peakRss: number[][];
}

export interface MatrixOptions {
  readonly cells: readonly Cell[];
  readonly rounds: number;
  readonly sets: number;
  readonly seconds: number;
  readonly warmUpSeconds: number;
  /** Also measure CPU per request at this many req/s in cells of ≥ 10 connections (0: never). */
  readonly fixedRate: number;
  readonly log: (message: string) => void;
}

/** Drives one cell; returns the load result and the app's CPU microseconds meanwhile. */
async function driveCell(app: AppProcess, cell: Cell, seconds: number, rate?: number) {
  const before = app.cpuMicros();
  const load = await drive(`${app.url}${cellPath(cell)}`, {
    seconds,
    connections: cell.connections,
    ...(rate === undefined ? {} : { rate }),
    ...(cell.traceparent ? { headers: { traceparent: TRACEPARENT } } : {}),
  });
  const cpu = app.cpuMicros() - before;
  if (load.requests === 0 || load.errors > 0) {
    throw new Error(`${app.spec.id} ${cellName(cell)}: ${load.requests} requests, ${load.errors} errors`);
  }
  return { load, cpu };
}

async function measureCell(app: AppProcess, cell: Cell, options: MatrixOptions): Promise<CellSample> {
  const { load, cpu } = await driveCell(app, cell, options.seconds);
  let fixedRateCpuUsPerRequest = Number.NaN;
  if (options.fixedRate > 0 && cell.connections >= 10) {
    const fixed = await driveCell(app, cell, options.seconds, options.fixedRate);
    fixedRateCpuUsPerRequest = fixed.cpu / fixed.load.requests;
  }
  return {
    rps: load.requests / load.seconds,
    cpuUsPerRequest: cpu / load.requests,
    p99Ms: load.p99Ms,
    fixedRateCpuUsPerRequest,
  };
}

/**
 * The ablation tools' measurement (ablate.ts, channel-cost.ts, parts.ts): `apps` side by side in
 * `cells` at saturation only (no fixed-rate pass), 2 s of warm-up, progress on stderr.
 */
export function measureSideBySide(
  apps: readonly AppSpec[],
  cells: readonly Cell[],
  run: { readonly rounds: number; readonly sets: number; readonly seconds: number },
): Promise<MatrixResult> {
  return measureMatrix(apps, {
    cells,
    ...run,
    warmUpSeconds: 2,
    fixedRate: 0,
    log: (message) => console.error(message),
  });
}

/** Measures every app in every cell, `rounds` in all over `sets` fresh process sets. */
export async function measureMatrix(apps: readonly AppSpec[], options: MatrixOptions): Promise<MatrixResult> {
  const samples = options.cells.map(() => apps.map((): CellSample[] => []));
  const rss = apps.map((): number[] => []);
  const peakRss = apps.map((): number[] => []);
  const sets = Math.max(1, Math.min(options.rounds, options.sets));
  let round = 0;
  for (let set = 0; set < sets; set++) {
    const running: AppProcess[] = [];
    try {
      for (const spec of apps) running.push(await startApp(spec));
      // Warm-up: JIT on every path, connection pools, the exporters' first batches.
      for (const app of running) {
        for (const path of ['/', '/large', '/items/42', '/items/42/large']) {
          await drive(`${app.url}${path}`, { seconds: options.warmUpSeconds / 4, connections: 10 });
        }
      }
      const setRounds =
        Math.round(((set + 1) * options.rounds) / sets) - Math.round((set * options.rounds) / sets);
      for (let r = 0; r < setRounds; r++, round++) {
        const order = [...running.keys()];
        if (round % 2 === 1) order.reverse();
        for (const [c, cell] of options.cells.entries()) {
          for (const index of order) {
            samples[c]![index]!.push(await measureCell(running[index]!, cell, options));
          }
        }
        options.log(`  round ${round + 1}/${options.rounds} (process set ${set + 1}/${sets})`);
      }
      for (const [index, app] of running.entries()) {
        const memory = app.memory();
        rss[index]!.push(memory.rss);
        peakRss[index]!.push(memory.peakRss);
      }
    } finally {
      await Promise.all(running.map((app) => app.stop()));
    }
  }
  return { samples, rss, peakRss };
}

/** The median over rounds of the per-round ratio of `s` to `base` (apps measured side by side). */
export function pairedRatio(
  s: readonly CellSample[],
  base: readonly CellSample[],
  key: keyof CellSample,
): number {
  return median(s.map((x, r) => x[key] / base[r]![key]));
}
