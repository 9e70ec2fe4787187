import { defineErrorCatalogue } from '@dynotel/core';

/** Every code @dynotel/metrics throws. All are thrown when a level or a metric is created, never on record. */
export const metricsErrors = defineErrorCatalogue('@dynotel/metrics', {
  ERR_DYNOTEL_METRICS_INVALID_NAME:
    'A metric name is empty, cannot be sanitised (only underscores), or is not a legal Prometheus name when prefix is off.',
  ERR_DYNOTEL_METRICS_INVALID_LABEL_NAME:
    'A const or variable label name is not a legal Prometheus label name or starts with the reserved "__".',
  ERR_DYNOTEL_METRICS_DUPLICATE_LABEL:
    'A label key appears twice among the const and variable labels of one metric.',
  ERR_DYNOTEL_METRICS_RESERVED_LABEL:
    'A const or variable label uses an auto-label name (dynamo_namespace, dynamo_component, dynamo_endpoint, worker_id), le on a histogram or quantile.',
  ERR_DYNOTEL_METRICS_CONFLICTING_METRIC:
    'A metric is created again at the same level with the same name but a different type, help, labels or buckets.',
  ERR_DYNOTEL_METRICS_INVALID_BUCKETS:
    'Histogram buckets are empty, not finite numbers, or not strictly increasing.',
  ERR_DYNOTEL_METRICS_INVALID_HIERARCHY_NAME:
    'A namespace, component or endpoint name sanitises to nothing (empty or only underscores).',
  ERR_DYNOTEL_METRICS_INVALID_LABEL_VALUE:
    'A label value to inject into foreign exposition text is not a string or holds an unpaired surrogate (not valid UTF-8).',
  ERR_DYNOTEL_METRICS_EXPOSITION_INVALID:
    'injectLabels() was given exposition text that does not parse strictly, or injection would make two series identical.',
  ERR_DYNOTEL_METRICS_INVALID_OPTION:
    'An option of createMetricsRoot or of a metric (workerId, seriesLimit, maxLabelValueLength, help) has an unusable value.',
});

export type MetricsErrorCode = keyof typeof metricsErrors.errors;
