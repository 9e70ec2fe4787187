import { Bench } from 'tinybench';
import { median } from './stats.ts';
import type { BenchRow, SuiteContext } from './types.ts';

export interface MicroCase {
  readonly case: string;
  readonly impl: string;
  /** Runs the operation `OPS_PER_CALL` times: a single ~50 ns call is below the timer's resolution. */
  readonly fn: () => void;
}

/** How many operations each MicroCase.fn performs per call. */
export const OPS_PER_CALL = 1000;

/**
 * Runs nanosecond-scale cases with tinybench. Every round runs all cases one after another (so the
 * implementations share the machine's state of the moment), and the reported figure is the median of
 * the per-round mean latencies: compare only ratios inside one run (`round ratio`: the median of the
 * per-round ratios to the case's first implementation).
 */
export async function runMicroCases(
  suite: string,
  cases: readonly MicroCase[],
  context: SuiteContext,
): Promise<BenchRow[]> {
  const perRound = new Map<string, number[]>();
  const time = context.smoke ? 20 : 300;
  for (let round = 0; round < context.rounds; round++) {
    const bench = new Bench({ time, warmupTime: context.smoke ? 5 : 100, throws: true });
    for (const c of cases) bench.add(`${c.case}\u0000${c.impl}`, c.fn);
    await bench.run();
    for (const task of bench.tasks) {
      const result = task.result;
      const mean =
        result !== undefined && 'latency' in result ? result.latency.mean / OPS_PER_CALL : undefined;
      if (mean === undefined) throw new Error(`no result for ${task.name}`);
      const list = perRound.get(task.name) ?? [];
      list.push(mean * 1e6); // ms → ns
      perRound.set(task.name, list);
    }
    context.log(`  ${suite}: round ${round + 1}/${context.rounds}`);
  }
  // Per-round ratio to the case's first implementation (its peer), then the median: the machine's
  // state drifts between rounds (GC, JIT, neighbours), and a ratio inside one round cancels most of it.
  return cases.map((c) => {
    const own = perRound.get(`${c.case}\u0000${c.impl}`) ?? [];
    const peer = cases.find((other) => other.case === c.case)!;
    const peerRounds = perRound.get(`${peer.case}\u0000${peer.impl}`) ?? [];
    return {
      suite,
      case: c.case,
      impl: c.impl,
      value: median(own),
      unit: 'ns/op',
      extra: { 'round ratio': median(own.map((value, round) => value / peerRounds[round]!)) },
    };
  });
}
