import { selfMetrics } from '@dynotel/core';
import { SnapshotAggregator } from '@dynotel/metrics';
import { describe, expect, it } from 'vitest';
import { type CollectTransport, SnapshotCollector } from '../src/cluster/collector.ts';
import type { DynotelMessage } from '../src/cluster/protocol.ts';

type Collect = Extract<DynotelMessage, { type: 'collect' }>;

/** Workers in this process: each answers on the next turn with its own counter, or never (`hung`). */
class InProcessWorkers implements CollectTransport {
  readonly requests: Collect[] = [];
  readonly counts = new Map<string, number>();
  readonly hung = new Set<string>();
  collector: SnapshotCollector | undefined;

  send(request: Collect, to: readonly string[]): readonly string[] {
    this.requests.push(request);
    for (const worker of to) {
      if (this.hung.has(worker)) continue;
      const count = this.counts.get(worker) ?? 0;
      setImmediate(() =>
        this.collector?.answer(worker, {
          dynotel: 'cluster/1',
          type: 'answer',
          id: request.id,
          kind: request.kind,
          text: `# TYPE jobs_total counter\njobs_total ${String(count)}\n# TYPE busy gauge\nbusy 1\n`,
          ready: true,
        }),
      );
    }
    return [];
  }
}

function missed(reason: string): number {
  const family = selfMetrics
    .collect()
    .find((f) => f.name === 'dynotel_cluster_worker_snapshots_missed_total');
  return family?.samples.find((s) => s.labels.reason === reason)?.value ?? 0;
}

function value(text: string, sample: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

function setup(timeoutMs = 50) {
  const workers = new InProcessWorkers();
  const collector = new SnapshotCollector(new SnapshotAggregator(), workers, timeoutMs);
  workers.collector = collector;
  return { workers, collector };
}

describe('SnapshotCollector', () => {
  it('sums the answers of every worker that said hello; concurrent scrapes share one round', async () => {
    const { workers, collector } = setup();
    for (const [id, count] of [
      ['1', 3],
      ['2', 4],
    ] as const) {
      collector.hello(id);
      workers.counts.set(id, count);
    }
    const [a, b] = await Promise.all([collector.metricsText(), collector.metricsText()]);
    expect(workers.requests).toHaveLength(1);
    expect(a).toBe(b);
    expect(value(a, 'jobs_total')).toBe(7);
    expect(value(a, 'busy{cluster_worker="1"}')).toBe(1);
  });

  it('answers at the deadline without a hung worker, keeps its counters, counts it, and retires it after three misses', async () => {
    const { workers, collector } = setup();
    collector.hello('1');
    collector.hello('2');
    workers.counts.set('1', 3);
    workers.counts.set('2', 4);
    await collector.metricsText();
    workers.hung.add('2');
    workers.counts.set('1', 5);
    const timeouts = missed('timeout');
    const stale = await collector.metricsText();
    expect(missed('timeout') - timeouts).toBe(1);
    expect(value(stale, 'jobs_total')).toBe(9);
    expect(value(stale, 'busy{cluster_worker="2"}')).toBeUndefined();
    await collector.metricsText();
    await collector.metricsText();
    expect(collector.workers).toBe(1);
    // Retired: no longer waited for, its last count stays in the total.
    expect(value(await collector.metricsText(), 'jobs_total')).toBe(9);
    expect(missed('timeout') - timeouts).toBe(3);
  });

  it('stops waiting for a worker that exits during the round, and counts it', async () => {
    const { workers, collector } = setup(10_000);
    collector.hello('1');
    collector.hello('2');
    workers.hung.add('2');
    const exited = missed('exited');
    const pending = collector.metricsText();
    setImmediate(() => collector.gone('2'));
    expect(value(await pending, 'jobs_total')).toBe(0);
    expect(missed('exited') - exited).toBe(1);
    expect(collector.workers).toBe(1);
  });

  it('reports how many live workers are ready', async () => {
    const { workers, collector } = setup();
    expect(await collector.readiness(50)).toEqual({ ready: 0, total: 0 });
    collector.hello('1');
    collector.hello('2');
    workers.hung.add('2');
    expect(await collector.readiness(50)).toEqual({ ready: 1, total: 2 });
  });
});
