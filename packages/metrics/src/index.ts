// @dynotel/metrics public API. Everything exported here is listed by name.
export { type MetricsErrorCode, metricsErrors } from './errors.ts';
export {
  contentTypeOf,
  type ExpositionFormat,
  negotiateFormat,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_TEXT_CONTENT_TYPE,
} from './format/content-type.ts';
export { escapeHelp, escapeLabelValue } from './format/escape.ts';
export { formatValue } from './format/number.ts';
export {
  AUTO_LABEL_NAMES,
  DEFAULT_BUCKETS,
  type HistogramOptions,
  type MetricOptions,
  type MetricType,
} from './instruments/definition.ts';
export { OVERFLOW_LABEL } from './instruments/label-layout.ts';
export { DEFAULT_MAX_LABEL_VALUE_LENGTH } from './instruments/label-value.ts';
export {
  type AnyMetric,
  Counter,
  type CounterChild,
  Gauge,
  type GaugeChild,
  Histogram,
  type HistogramChild,
} from './instruments/metrics.ts';
export {
  buildComponentMetricName,
  COMPONENT_METRIC_PREFIX,
  sanitizeLabelName,
  sanitizeMetricName,
} from './naming/sanitize.ts';
export {
  ComponentLevel,
  EndpointLevel,
  type ExpositionCallback,
  MetricsLevel,
  MetricsRoot,
  NamespaceLevel,
  type UpdateCallback,
} from './registry/level.ts';
export {
  createMetricsRoot,
  DEFAULT_CALLBACK_TIMEOUT_MS,
  DEFAULT_SERIES_LIMIT,
  type MetricsRootOptions,
} from './registry/root.ts';
export type { ScrapeResult, ScrapeStream } from './scrape/scrape.ts';
