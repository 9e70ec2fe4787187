import type { DynotelConfig } from '@dynotel/core';
import { createHealthState, type HealthState } from '@dynotel/health';
import type { Histogram, MetricsRoot } from '@dynotel/metrics';

/** Canary durations, beside the outcome counter the health package keeps as a self-metric. */
function canaryDurationHistogram(root: MetricsRoot): Histogram {
  return root.histogram({
    name: 'dynotel_canary_duration_seconds',
    help: 'Duration of canary health-check requests, by endpoint and outcome.',
    labelNames: ['endpoint', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    prefix: false,
    autoLabels: false,
  });
}

export function wireHealth(config: DynotelConfig, root: MetricsRoot): HealthState {
  const durations = canaryDurationHistogram(root);
  // The health options are named after the configuration's keys on purpose: the config passes through.
  return createHealthState({
    ...config.health,
    onCanaryResult: (result) =>
      durations.labels(result.endpoint, result.outcome).observe(result.durationMs / 1000),
  });
}
