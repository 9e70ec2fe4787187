import { selfMetrics } from '@dynotel/core';

// Defined once at module level; the metrics package exposes them as dynotel_* families on /metrics.

export const canaryTotal = selfMetrics.counter(
  'dynotel_canary_total',
  'Canary health checks sent, by endpoint and outcome (success, error, empty, timeout).',
);

export const endpointReady = selfMetrics.gauge(
  'dynotel_endpoint_ready',
  'Readiness of each endpoint known to the health state: 1 ready, 0 notready.',
);

export const readinessCheckTotal = selfMetrics.counter(
  'dynotel_readiness_check_total',
  'Readiness check executions, by check and outcome (pass, fail, error, timeout, still_running).',
);

export const scrapesRejectedTotal = selfMetrics.counter(
  'dynotel_scrapes_rejected_total',
  'Metrics scrapes answered 503 because maxConcurrentScrapes were already in flight.',
  { initial: [{}] },
);
