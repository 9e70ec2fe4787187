import type { Gauge } from '../instruments/metrics.ts';
import type { MetricsLevel } from '../registry/level.ts';
import { type Clock, monotonicClock } from './clock.ts';

export interface UptimeMetricOptions {
  /** Monotonic clock in ms (tests). */
  readonly clock?: Clock;
}

const registered = new WeakMap<MetricsLevel, Gauge>();

/**
 * `dynamo_component_uptime_seconds`: seconds since registration, refreshed before every scrape that covers
 * `level` (Dynamo: the DistributedRuntime level, so the only auto-label is `worker_id`; system_health.rs
 * L266-289). Registering twice on the same level returns the same gauge and adds no second callback.
 */
export function registerUptimeMetric(level: MetricsLevel, options: UptimeMetricOptions = {}): Gauge {
  const existing = registered.get(level);
  if (existing !== undefined) return existing;
  const clock = options.clock ?? monotonicClock;
  const startedAt = clock();
  const gauge = level.gauge({
    name: 'uptime_seconds',
    help: 'Total uptime of the DistributedRuntime in seconds',
  });
  level.onScrape(() => {
    gauge.set((clock() - startedAt) / 1000);
  });
  registered.set(level, gauge);
  return gauge;
}
