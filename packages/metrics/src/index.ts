// @dynotel/metrics public API. Everything exported here is listed by name.
export {
  type AggregationRule,
  aggregationRule,
  DEFAULT_PER_WORKER_PREFIXES,
  DEFAULT_WORKER_LABEL,
} from './aggregate/rules.ts';
export type { AggregateDropReason } from './aggregate/self-metrics.ts';
export { SnapshotAggregator, type SnapshotAggregatorOptions } from './aggregate/snapshot-aggregator.ts';
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
export type { ScrapeTarget } from './gather/source.ts';
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
  type Metric,
} from './instruments/metrics.ts';
export type { Series } from './instruments/series-store.ts';
export type { HistogramPoint, ScalarPoint, SummaryPoint } from './model/family.ts';
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
  type AdmissionOutcome,
  type ApiStatus,
  apiStatusOf,
  type Clock,
  COMPONENT_ERROR_TYPES,
  COMPONENT_REQUEST_DURATION_BUCKETS,
  type ComponentErrorType,
  ComponentMetrics,
  type ComponentMetricsOptions,
  ComponentRequest,
  createComponentMetrics,
  createFrontendMetrics,
  createFrontendStageMetrics,
  createFrontendWorkerLastMetrics,
  createOperatorMetrics,
  createProcessMetrics,
  createWorkHandlerMetrics,
  DEFAULT_FRONTEND_PREFIX,
  errorTypeFromHttpStatus,
  FRONTEND_ENDPOINTS,
  FRONTEND_ERROR_TYPES,
  FRONTEND_SEND_TS_HEADER,
  FRONTEND_STAGE_BUCKETS,
  type FrontendEndpoint,
  type FrontendErrorType,
  FrontendMetrics,
  type FrontendMetricsOptions,
  type FrontendPhase,
  FrontendRequest,
  type FrontendRequestType,
  type FrontendStage,
  FrontendStageMetrics,
  type FrontendStatus,
  FrontendWorkerLastMetrics,
  type MigrationType,
  type ModelConfig,
  NETWORK_TRANSIT_BUCKETS,
  OPERATOR_ERROR_TYPES,
  OPERATOR_METRIC_PREFIX,
  type OperatorErrorType,
  OperatorMetrics,
  operatorErrorType,
  type ProcessMetrics,
  type ProcessMetricsOptions,
  RECONCILE_DURATION_BUCKETS,
  RECONCILE_RESULTS,
  type ReconcileOutcome,
  type ReconcileResult,
  type ResponseChunkMetrics,
  type ResponseSummary,
  ResponseTracker,
  type ResponseTrackerIncrementer,
  type ResponseTrackerMetrics,
  type ResponseTrackerObserver,
  type ResponseTrackerOptions,
  RUNTIME_METRIC_RENAMES,
  registerUptimeMetric,
  resolveFrontendPrefix,
  type StageTimer,
  TIME_TO_FIRST_RESPONSE_BUCKETS,
  TOKENIZER_LATENCY_MS_BUCKETS,
  UNKNOWN_RESOURCE_STATUS,
  type UptimeMetricOptions,
  WEBHOOK_DURATION_BUCKETS,
  WEBHOOK_OPERATIONS,
  WEBHOOK_RESULTS,
  type WebhookOperation,
  type WebhookResult,
  type WorkerLastValues,
  type WorkerRef,
  type WorkerType,
  WorkHandlerMetrics,
  wallClockNanos,
} from './sets/index.ts';
