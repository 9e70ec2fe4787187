import type { Registry } from '@prometheus-io/client';
import { collectDefaultMetrics, Registry as PrometheusRegistry } from '../prometheus-client.ts';
import type { MetricsLevel } from '../registry/level.ts';

export interface ProcessMetricsOptions {
  /** Prefix for every name (default none: `process_cpu_seconds_total`, `nodejs_eventloop_lag_seconds`, …). */
  readonly prefix?: string;
  /** Sampling resolution of the event-loop delay monitor in ms (perf_hooks.monitorEventLoopDelay). Default 10. */
  readonly eventLoopMonitoringPrecision?: number;
  /** Buckets of `nodejs_gc_duration_seconds`. */
  readonly gcDurationBuckets?: readonly number[];
  /**
   * Default false: lint-clean names (see RUNTIME_METRIC_RENAMES). True: prom-client's names as they are,
   * including the gauges ending in `_total` and the type in two names, which `promtool check metrics`
   * warns about (for dashboards built on prom-client).
   */
  readonly promClientNames?: boolean;
}

/**
 * How prom-client's runtime metrics are renamed by default so `promtool check metrics` has nothing to
 * say about them (`null`: left out). The `*_total` gauges are the sums of the per-type gauges of the same
 * name without `_total` (`sum(nodejs_active_handles)`); the event-loop utilisation summary repeats the
 * histogram (`histogram_quantile` over `nodejs_eventloop_utilization_ratio_bucket` gives its quantiles,
 * and aggregates across instances, which a summary does not).
 */
export const RUNTIME_METRIC_RENAMES: Readonly<Record<string, string | null>> = Object.freeze({
  nodejs_active_handles_total: null,
  nodejs_active_requests_total: null,
  nodejs_active_resources_total: null,
  nodejs_eventloop_utilization_histogram: 'nodejs_eventloop_utilization_ratio',
  nodejs_eventloop_utilization_summary: null,
});

export interface ProcessMetrics {
  /** The private @prometheus-io/client registry holding the collectors (never the global one). */
  readonly registry: Registry;
}

const registered = new WeakMap<MetricsLevel, ProcessMetrics>();

/**
 * Node process and runtime metrics from @prometheus-io/client's default collectors, on a private registry
 * appended to `level`'s scrapes as exposition text (so it goes through the strict parser like any foreign
 * text): CPU, memory, file descriptors, handles, heap spaces, GC durations, the Node version, event-loop
 * utilisation, and event-loop delay from `perf_hooks.monitorEventLoopDelay` (`nodejs_eventloop_lag_*`,
 * reset at every scrape). Registering twice on the same level returns the first set. Names are made
 * lint-clean by RUNTIME_METRIC_RENAMES unless `promClientNames` is set.
 */
export function createProcessMetrics(
  level: MetricsLevel,
  options: ProcessMetricsOptions = {},
): ProcessMetrics {
  const existing = registered.get(level);
  if (existing !== undefined) return existing;
  const registry = new PrometheusRegistry();
  collectDefaultMetrics({
    register: registry,
    eventLoopMonitoringPrecision: options.eventLoopMonitoringPrecision ?? 10,
    ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
    ...(options.gcDurationBuckets === undefined ? {} : { gcDurationBuckets: [...options.gcDurationBuckets] }),
  });
  const prefix = options.prefix ?? '';
  const rename =
    options.promClientNames === true
      ? undefined
      : Object.fromEntries(
          Object.entries(RUNTIME_METRIC_RENAMES).map(([from, to]) => [
            `${prefix}${from}`,
            to === null ? null : `${prefix}${to}`,
          ]),
        );
  level.addExpositionCallback(() => registry.metrics(), { source: 'runtime', rename });
  const metrics: ProcessMetrics = { registry };
  registered.set(level, metrics);
  return metrics;
}
