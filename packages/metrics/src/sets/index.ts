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
  createFrontendStageMetrics,
  FRONTEND_STAGE_BUCKETS,
  type FrontendPhase,
  type FrontendStage,
  FrontendStageMetrics,
  type StageTimer,
} from './frontend-stages.ts';
export {
  createFrontendWorkerLastMetrics,
  FrontendWorkerLastMetrics,
  type WorkerLastValues,
  type WorkerRef,
  type WorkerType,
} from './frontend-worker-last.ts';
export { type ApiStatus, apiStatusOf, operatorErrorType } from './operator-error-type.ts';
export {
  type AdmissionOutcome,
  createOperatorMetrics,
  OPERATOR_ERROR_TYPES,
  OPERATOR_METRIC_PREFIX,
  type OperatorErrorType,
  OperatorMetrics,
  RECONCILE_DURATION_BUCKETS,
  RECONCILE_RESULTS,
  type ReconcileOutcome,
  type ReconcileResult,
  UNKNOWN_RESOURCE_STATUS,
  WEBHOOK_DURATION_BUCKETS,
  WEBHOOK_OPERATIONS,
  WEBHOOK_RESULTS,
  type WebhookOperation,
  type WebhookResult,
} from './operator-metrics.ts';
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
  type ResponseTrackerIncrementer,
  type ResponseTrackerMetrics,
  type ResponseTrackerObserver,
  type ResponseTrackerOptions,
} from './response-tracker.ts';
export { registerUptimeMetric, type UptimeMetricOptions } from './uptime.ts';
export {
  createWorkHandlerMetrics,
  FRONTEND_SEND_TS_HEADER,
  NETWORK_TRANSIT_BUCKETS,
  TIME_TO_FIRST_RESPONSE_BUCKETS,
  WorkHandlerMetrics,
  wallClockNanos,
} from './work-handler.ts';
