import { selfMetrics } from '@dynotel/core';

/** Why a worker's snapshot is missing from a scrape or a readiness probe. */
export type MissedReason = 'timeout' | 'exited' | 'send_failed';

export const snapshotsMissed = selfMetrics.counter(
  'dynotel_cluster_worker_snapshots_missed_total',
  'Worker answers (metrics snapshots or readiness) a scrape or probe of the primary or main thread went without, by reason: timeout (no answer within DYN_CLUSTER_SCRAPE_TIMEOUT; its counters stay at their last value, its gauges are left out), exited (the worker went away during the round), send_failed (its IPC channel was closed).',
  { initial: [{ reason: 'timeout' }, { reason: 'exited' }, { reason: 'send_failed' }] },
);

export const workersRetired = selfMetrics.counter(
  'dynotel_cluster_workers_retired_total',
  'Workers that went away (exited, or missed three rounds in a row) whose last counters and histograms joined the aggregate baseline, so the service total never goes backwards.',
  { initial: [{}] },
);
