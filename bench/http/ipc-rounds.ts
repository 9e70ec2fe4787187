/**
 * Interleaved rounds over the IPC-driven servers of bench/http/servers/ (each reports its own CPU time
 * over an IPC channel): the measurement of the ad-hoc drivers floor.ts and ab-worktree.ts. The recorded
 * HTTP suite (suites/http.ts) measures the apps of bench/http/apps/ as users run them instead, with no
 * IPC channel and no bench-only options (ANALYSIS.md, "Two harnesses").
 */

import type { ServerProcess } from '../lib/server-process.ts';
import { median } from '../lib/stats.ts';
import { drive } from './load.ts';

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
 * (the ad-hoc drivers floor.ts and ab-worktree.ts print it).
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
