import { collectDefaultMetrics, Registry } from '@prometheus-io/client';
import type { MetricsLevel } from '../registry/level.ts';

export interface ProcessMetricsOptions {
  /** Prefix for every name (default none: `process_cpu_seconds_total`, `nodejs_eventloop_lag_seconds`, …). */
  readonly prefix?: string;
  /** Sampling resolution of the event-loop delay monitor in ms (perf_hooks.monitorEventLoopDelay). Default 10. */
  readonly eventLoopMonitoringPrecision?: number;
  /** Buckets of `nodejs_gc_duration_seconds`. */
  readonly gcDurationBuckets?: readonly number[];
}

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
 * reset at every scrape). Registering twice on the same level returns the first set.
 */
export function createProcessMetrics(
  level: MetricsLevel,
  options: ProcessMetricsOptions = {},
): ProcessMetrics {
  const existing = registered.get(level);
  if (existing !== undefined) return existing;
  const registry = new Registry();
  collectDefaultMetrics({
    register: registry,
    eventLoopMonitoringPrecision: options.eventLoopMonitoringPrecision ?? 10,
    ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
    ...(options.gcDurationBuckets === undefined ? {} : { gcDurationBuckets: [...options.gcDurationBuckets] }),
  });
  level.addExpositionCallback(() => registry.metrics());
  const metrics: ProcessMetrics = { registry };
  registered.set(level, metrics);
  return metrics;
}
