// dynotel public API. Everything exported here is listed by name. Test helpers are in `dynotel/testing`.
export { getRequestContext, type RequestContext, runWithRequestContext } from '@dynotel/core';
export type { FrontendInstance, FrontendInstances } from '@dynotel/health';
export type {
  ComponentMetrics,
  ComponentRequest,
  FrontendMetrics,
  FrontendPhase,
  FrontendRequest,
  FrontendStage,
  FrontendStageMetrics,
  FrontendWorkerLastMetrics,
  ResponseTracker,
  StageTimer,
  WorkerLastValues,
  WorkerRef,
  WorkHandlerMetrics,
} from '@dynotel/metrics';
export { errorTypeFromHttpStatus, FRONTEND_SEND_TS_HEADER, wallClockNanos } from '@dynotel/metrics';
export { currentTraceIds, injectTraceHeaders, withSpan } from '@dynotel/tracing';
export { activeSpan } from './active-span.ts';
export { isDynotelMessage } from './cluster/protocol.ts';
export { requestContextForWorker, runWithWorkerRequestContext } from './cluster/thread-context.ts';
export type { ServedEndpoint } from './endpoint.ts';
export { type DynotelErrorCode, dynotelErrors } from './errors.ts';
export {
  createHttpMetrics,
  HTTP_DURATION_BUCKETS,
  type HttpMetrics,
  UNMATCHED_ROUTE,
} from './http/http-metrics.ts';
export { OTHER_METHOD } from './http/methods.ts';
export { currentTelemetry, init } from './init.ts';
export type { InitOptions } from './options.ts';
export type { ServeEndpointOptions, Telemetry } from './telemetry.ts';
