import { selfMetrics } from '@dynotel/core';

/** The self-metrics of @dynotel/metrics, defined once (core's registry returns the same object on redefinition). */
export const duplicateSeriesDropped = selfMetrics.counter(
  'dynotel_metrics_duplicate_series_dropped_total',
  'Series dropped while merging registries because an identical series (name and labels) was seen first.',
  { initial: [{}] },
);
export const familiesDropped = selfMetrics.counter(
  'dynotel_metrics_families_dropped_total',
  'Metric families dropped whole from a scrape, by reason: conflicting_metadata (HELP or TYPE differ from the first family of that name), name_clash (a sample name another family owns), unrepresentable (foreign values with no form in both formats).',
  { initial: [{ reason: 'conflicting_metadata' }, { reason: 'name_clash' }, { reason: 'unrepresentable' }] },
);
export const callbackFailures = selfMetrics.counter(
  'dynotel_metrics_callback_failures_total',
  'Scrape callbacks that threw or rejected, by kind (update or exposition).',
  { initial: [{ kind: 'update' }, { kind: 'exposition' }] },
);
export const expositionTextDropped = selfMetrics.counter(
  'dynotel_metrics_exposition_text_dropped_total',
  'Exposition callback texts (foreign sources) dropped whole from a scrape, by reason: invalid_text, too_large, not_a_string, invalid_labels, duplicate_after_inject.',
  { initial: [{ reason: 'invalid_text' }, { reason: 'too_large' }] },
);
export const foreignLinesDropped = selfMetrics.counter(
  'dynotel_metrics_foreign_lines_dropped_total',
  'Lines dropped from foreign exposition text, by reason: unterminated (a last line without its line feed, taken as cut).',
  { initial: [{ reason: 'unterminated' }] },
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
