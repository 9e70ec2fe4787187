// @dynotel/core public API. Everything exported here is listed by name. What only the other dynotel
// packages use (context frames, id pools, settlesWithin) is in `@dynotel/core/internal` (src/internal.ts).

export type { Env } from './config/env-reader.ts';
export {
  type BatchProcessorConfig,
  type ClusterConfig,
  type ConfigGroup,
  type ConfigProblem,
  configDefaults,
  DEFAULT_OTLP_ENDPOINTS,
  type DeepPartial,
  type DynotelConfig,
  ENV_TABLE,
  type EnvSource,
  type EnvType,
  type EnvVariable,
  type HealthConfig,
  type HealthStatus,
  type HistogramBucketsConfig,
  type HttpServerConfig,
  type IdentityConfig,
  type InstrumentationConfig,
  type LogDirective,
  type LogDirectiveLevel,
  type LoggingConfig,
  type MetricsConfig,
  OTLP_COMPRESSIONS,
  OTLP_PROTOCOLS,
  type OtlpCompression,
  type OtlpEndpointInput,
  type OtlpExporterConfig,
  type OtlpProtocol,
  type OtlpSignal,
  otlpSignalEndpoint,
  type PrivacyConfig,
  parseLogDirective,
  type ReadConfigOptions,
  type ReadConfigResult,
  type ResourceIdentity,
  readConfig,
  redactedConfigSummary,
  reportConfigProblems,
  resolveServiceName,
  type ServedEndpointIdentity,
  type ShutdownConfig,
  type SignalExporter,
  type SystemServerConfig,
  TRACE_SAMPLERS,
  type TraceSampler,
  type TracingConfig,
  telemetryResourceAttributes,
} from './config/index.ts';
// Dynamo's metric-name sanitiser: the config table applies it to DYN_METRICS_PREFIX, @dynotel/metrics to every name.
export { LOG_LEVELS, sanitizeMetricName } from './config/parsers.ts';
export type { ParseContext, ParseResult, Parser } from './config/types.ts';
export {
  getRequestContext,
  type RequestContext,
  requireRequestContext,
  runWithRequestContext,
} from './context/request-context.ts';
export {
  isUuid,
  isValidRequestId,
  MAX_REQUEST_ID_LENGTH,
  type ResolvedRequestId,
  resolveRequestId,
} from './context/request-id.ts';
export {
  type DiagnosticLevel,
  type DiagnosticRecord,
  type DiagnosticSink,
  type Diagnostics,
  diag,
} from './diagnostics/diagnostics.ts';
export { defineErrorCatalogue, type ErrorCatalogue } from './errors/catalogue.ts';
export { type CoreErrorCode, coreErrors } from './errors/core-errors.ts';
export {
  DynotelError,
  type DynotelErrorCodeFormat,
  type DynotelErrorOptions,
  isDynotelError,
} from './errors/dynotel-error.ts';
export {
  type SelfCounter,
  type SelfGauge,
  type SelfMetricFamily,
  type SelfMetricOptions,
  type SelfMetricSample,
  type SelfMetricsRegistry,
  type SelfMetricType,
  selfMetrics,
} from './self-metrics/self-metrics.ts';
export { REDACTED, redactUrlQuery, urlForTelemetry } from './url/redact-url-query.ts';
