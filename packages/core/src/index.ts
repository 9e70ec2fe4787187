// @dynotel/core public API. Everything exported here is listed by name.
export {
  type ConfigProblem,
  type DynotelConfig,
  ENV_TABLE,
  type EnvVariable,
  type ReadConfigOptions,
  type ReadConfigResult,
  readConfig,
} from './config/index.ts';
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
export { DynotelError, type DynotelErrorOptions, isDynotelError } from './errors/dynotel-error.ts';
export {
  type SelfCounter,
  type SelfGauge,
  type SelfMetricFamily,
  type SelfMetricSample,
  type SelfMetricsRegistry,
  type SelfMetricType,
  selfMetrics,
} from './self-metrics/self-metrics.ts';
