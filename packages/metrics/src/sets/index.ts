export { type Clock, monotonicClock } from './clock.ts';
export {
  COMPONENT_ERROR_TYPES,
  COMPONENT_REQUEST_DURATION_BUCKETS,
  type ComponentErrorType,
  ComponentMetrics,
  type ComponentMetricsOptions,
  ComponentRequest,
  createComponentMetrics,
} from './component-metrics.ts';
export {
  errorTypeFromHttpStatus,
  FRONTEND_ENDPOINTS,
  FRONTEND_ERROR_TYPES,
  type FrontendEndpoint,
  type FrontendErrorType,
  type FrontendRequestType,
  type FrontendStatus,
  type MigrationType,
} from './frontend-labels.ts';
export {
  createFrontendMetrics,
  DEFAULT_FRONTEND_PREFIX,
  FrontendMetrics,
  type FrontendMetricsOptions,
  type ModelConfig,
  resolveFrontendPrefix,
  TOKENIZER_LATENCY_MS_BUCKETS,
} from './frontend-metrics.ts';
export { FrontendRequest } from './frontend-request.ts';
export {
  createProcessMetrics,
  type ProcessMetrics,
  type ProcessMetricsOptions,
  RUNTIME_METRIC_RENAMES,
} from './process-metrics.ts';
export {
  type ResponseChunkMetrics,
  type ResponseSummary,
  ResponseTracker,
  type ResponseTrackerMetrics,
  type ResponseTrackerOptions,
} from './response-tracker.ts';
export { registerUptimeMetric, type UptimeMetricOptions } from './uptime.ts';
