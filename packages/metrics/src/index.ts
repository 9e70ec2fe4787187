// @dynotel/metrics public API. Everything exported here is listed by name.
export { type MetricsErrorCode, metricsErrors } from './errors.ts';
export { type ContentEncoding, negotiateEncoding } from './expose/compress.ts';
export type { HttpScrape, ScrapeResult, ScrapeStream } from './expose/scrape.ts';
export { DEFAULT_FOREIGN_TEXT_MAX_BYTES } from './foreign/limits.ts';
export {
  contentTypeOf,
  type ExpositionFormat,
  negotiateFormat,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_TEXT_CONTENT_TYPE,
} from './format/content-type.ts';
export { escapeHelp, escapeLabelValue } from './format/escape.ts';
export { formatOpenMetricsNumber, formatValue } from './format/number.ts';
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
  type ExpositionSourceOptions,
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

// Foreign text, buckets and standard metric sets

export {
  DEFAULT_LOG_BUCKET_LAYOUTS,
  FRONTEND_HISTOGRAM_ENV_STEMS,
  type FrontendHistogramName,
  frontendHistogramBuckets,
  generateLogBuckets,
  type LogBucketLayout,
  type LogBucketOverride,
  logBucketLayoutProblem,
  MAX_LOG_BUCKET_COUNT,
  resolveLogBucketLayout,
} from './buckets/index.ts';
export {
  type ExpositionExemplar,
  type ExpositionFamily,
  type ExpositionFilter,
  type ExpositionLabel,
  type ExpositionParseError,
  type ExpositionParseResult,
  type ExpositionSample,
  type ExpositionValidation,
  type ForeignTextDropReason,
  type ForeignTextOptions,
  type ForeignTextResult,
  filterExposition,
  injectLabels,
  type MetricFamilyType,
  type ParsedExposition,
  type ParseExpositionOptions,
  parseExposition,
  processForeignText,
  serializePrometheusText,
  toPrometheusFamilies,
  validateExpositionText,
} from './foreign/index.ts';
export {
  type Clock,
  COMPONENT_ERROR_TYPES,
  COMPONENT_REQUEST_DURATION_BUCKETS,
  type ComponentErrorType,
  ComponentMetrics,
  type ComponentMetricsOptions,
  ComponentRequest,
  createComponentMetrics,
  createFrontendMetrics,
  createProcessMetrics,
  DEFAULT_FRONTEND_PREFIX,
  errorTypeFromHttpStatus,
  FRONTEND_ENDPOINTS,
  FRONTEND_ERROR_TYPES,
  type FrontendEndpoint,
  type FrontendErrorType,
  FrontendMetrics,
  type FrontendMetricsOptions,
  FrontendRequest,
  type FrontendRequestType,
  type FrontendStatus,
  type MigrationType,
  type ModelConfig,
  type ProcessMetrics,
  type ProcessMetricsOptions,
  type ResponseChunkMetrics,
  type ResponseSummary,
  ResponseTracker,
  type ResponseTrackerMetrics,
  type ResponseTrackerOptions,
  RUNTIME_METRIC_RENAMES,
  registerUptimeMetric,
  resolveFrontendPrefix,
  TOKENIZER_LATENCY_MS_BUCKETS,
  type UptimeMetricOptions,
} from './sets/index.ts';
