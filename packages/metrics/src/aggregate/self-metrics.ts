import { selfMetrics } from '@dynotel/core';

/** Why a worker's series (or its whole snapshot) did not make it into the aggregate. */
export type AggregateDropReason = 'invalid_text' | 'too_large' | 'type_conflict' | 'bucket_mismatch';

export const aggregateSeriesDropped = selfMetrics.counter(
  'dynotel_cluster_series_dropped_total',
  'Worker series (or whole worker snapshots) left out of the aggregated scrape, by reason: invalid_text, too_large (a snapshot refused whole), type_conflict (another worker wrote the family with another TYPE), bucket_mismatch (histogram bounds differ from the first worker).',
  {
    initial: [
      { reason: 'invalid_text' },
      { reason: 'too_large' },
      { reason: 'type_conflict' },
      { reason: 'bucket_mismatch' },
    ],
  },
);
