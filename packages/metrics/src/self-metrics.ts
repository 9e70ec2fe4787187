import { selfMetrics } from '@dynotel/core';

/** The self-metrics of @dynotel/metrics, defined once (core's registry returns the same object on redefinition). */
export const duplicateSeriesDropped = selfMetrics.counter(
  'dynotel_metrics_duplicate_series_dropped_total',
  'Series dropped while merging registries because an identical series (name and labels) was seen first.',
  { initial: [{}] },
);
export const conflictingFamiliesDropped = selfMetrics.counter(
  'dynotel_metrics_conflicting_families_dropped_total',
  'Metric families dropped from a scrape because their HELP or TYPE differed from the first family of that name.',
  { initial: [{}] },
);
export const callbackFailures = selfMetrics.counter(
  'dynotel_metrics_callback_failures_total',
  'Scrape callbacks that threw or rejected, by kind (update or exposition).',
  { initial: [{ kind: 'update' }, { kind: 'exposition' }] },
);
export const expositionTextDropped = selfMetrics.counter(
  'dynotel_metrics_exposition_text_dropped_total',
  'Exposition callback texts dropped because they failed validation.',
  { initial: [{}] },
);
export const seriesOverflow = selfMetrics.counter(
  'dynotel_metrics_series_overflow_total',
  'New label sets routed to the overflow series because the metric reached its series limit, by metric.',
);
export const labelValuesTruncated = selfMetrics.counter(
  'dynotel_metrics_label_values_truncated_total',
  'Label values cut to the maximum label value length.',
  { initial: [{}] },
);
export const invalidValuesDropped = selfMetrics.counter(
  'dynotel_metrics_invalid_values_dropped_total',
  'Recorded values dropped: a negative or non-finite counter increment, a NaN observation, wrong label arity.',
);
