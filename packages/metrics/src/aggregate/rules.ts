import type { MetricFamilyType } from '../foreign/model.ts';

/** The label that tells workers apart on the families that are not summed. */
export const DEFAULT_WORKER_LABEL = 'cluster_worker';

/**
 * Families that describe one process, not the service: never summed, always one series per worker
 * (`process_resident_memory_bytes` of four workers summed, or `dynotel_*` drops of one worker merged
 * with another's, would say nothing about any of them).
 */
export const DEFAULT_PER_WORKER_PREFIXES: readonly string[] = Object.freeze([
  'process_',
  'nodejs_',
  'dynotel_',
]);

/** How a family of worker snapshots becomes one family of the aggregate. */
export type AggregationRule = 'sum' | 'per_worker';

/**
 * The documented rule: counters and histograms are summed across workers (and across the workers that
 * came and went, see `SnapshotAggregator`); gauges, summaries, untyped families and every family named by
 * a per-worker prefix keep one series per worker, labelled with the worker. Averaging or summing a gauge
 * is a decision only its owner can make; a per-worker series lets the query do it (`sum`, `max`).
 */
export function aggregationRule(
  name: string,
  type: MetricFamilyType,
  perWorkerPrefixes: readonly string[],
): AggregationRule {
  if (perWorkerPrefixes.some((prefix) => name.startsWith(prefix))) return 'per_worker';
  return type === 'counter' || type === 'histogram' ? 'sum' : 'per_worker';
}
