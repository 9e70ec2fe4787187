import { selfMetrics } from '@dynotel/core';
import { describe, expect, it } from 'vitest';
import { parseExposition, SnapshotAggregator } from '../src/index.ts';

function worker(requests: number, memory: number, fastBucket: number): string {
  return [
    '# HELP app_requests_total Requests.',
    '# TYPE app_requests_total counter',
    `app_requests_total{route="/a"} ${requests}`,
    '# HELP app_latency_seconds Latency.',
    '# TYPE app_latency_seconds histogram',
    `app_latency_seconds_bucket{le="0.1"} ${fastBucket}`,
    `app_latency_seconds_bucket{le="+Inf"} ${requests}`,
    `app_latency_seconds_sum ${requests / 10}`,
    `app_latency_seconds_count ${requests}`,
    '# HELP process_resident_memory_bytes RSS.',
    '# TYPE process_resident_memory_bytes gauge',
    `process_resident_memory_bytes ${memory}`,
    '# HELP app_in_flight In flight.',
    '# TYPE app_in_flight gauge',
    'app_in_flight 2',
    '',
  ].join('\n');
}

function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const parsed = parseExposition(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  for (const family of parsed.exposition.families)
    for (const s of family.samples) {
      if (s.name !== name) continue;
      const have = Object.fromEntries(s.labels.map((l) => [l.name, l.value]));
      if (
        Object.entries(labels).every(([k, v]) => have[k] === v) &&
        s.labels.length === Object.keys(labels).length
      )
        return s.value;
    }
  return undefined;
}

describe('SnapshotAggregator', () => {
  it('sums counters and histograms, keeps gauges per worker', () => {
    const aggregator = new SnapshotAggregator();
    expect(aggregator.offer('1', worker(10, 100, 4))).toBe(true);
    expect(aggregator.offer('2', worker(5, 200, 1))).toBe(true);
    const text = aggregator.text(new Set(['1', '2']));
    expect(sample(text, 'app_requests_total', { route: '/a' })).toBe(15);
    expect(sample(text, 'app_latency_seconds_bucket', { le: '0.1' })).toBe(5);
    expect(sample(text, 'app_latency_seconds_count')).toBe(15);
    expect(sample(text, 'process_resident_memory_bytes', { cluster_worker: '1' })).toBe(100);
    expect(sample(text, 'process_resident_memory_bytes', { cluster_worker: '2' })).toBe(200);
    expect(sample(text, 'app_in_flight', { cluster_worker: '2' })).toBe(2);
    expect(parseExposition(text).ok).toBe(true);
  });

  it('keeps a stale worker’s counters but not its gauges, and a retired worker’s counters as a baseline', () => {
    const aggregator = new SnapshotAggregator();
    aggregator.offer('1', worker(10, 100, 4));
    aggregator.offer('2', worker(5, 200, 1));
    const stale = aggregator.text(new Set(['1']));
    expect(sample(stale, 'app_requests_total', { route: '/a' })).toBe(15);
    expect(sample(stale, 'process_resident_memory_bytes', { cluster_worker: '2' })).toBeUndefined();
    aggregator.retire('2');
    aggregator.offer('3', worker(1, 50, 1));
    const restarted = aggregator.text(new Set(['1', '3']));
    expect(sample(restarted, 'app_requests_total', { route: '/a' })).toBe(16);
    expect(sample(restarted, 'app_latency_seconds_count')).toBe(16);
    expect(aggregator.workers().sort()).toEqual(['1', '3']);
  });

  it('refuses invalid text and mismatched buckets, and counts them', () => {
    const dropped = () =>
      Object.fromEntries(
        (
          selfMetrics.collect().find((m) => m.name === 'dynotel_cluster_series_dropped_total')?.samples ?? []
        ).map((s) => [s.labels.reason, s.value]),
      );
    const before = dropped();
    const aggregator = new SnapshotAggregator();
    aggregator.offer('1', worker(10, 100, 4));
    expect(aggregator.offer('2', 'not { exposition\n')).toBe(false);
    aggregator.offer(
      '3',
      '# TYPE app_latency_seconds histogram\napp_latency_seconds_bucket{le="0.5"} 1\napp_latency_seconds_bucket{le="+Inf"} 1\napp_latency_seconds_sum 1\napp_latency_seconds_count 1\n',
    );
    const text = aggregator.text(new Set(['1', '3']));
    expect(sample(text, 'app_latency_seconds_count')).toBe(10);
    const after = dropped();
    expect((after.invalid_text ?? 0) - (before.invalid_text ?? 0)).toBe(1);
    expect((after.bucket_mismatch ?? 0) - (before.bucket_mismatch ?? 0)).toBe(1);
  });
});
