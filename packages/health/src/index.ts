// @dynotel/health public API. Everything exported here is listed by name.
export type {
  CanaryHandler,
  CanaryOutcome,
  CanaryResult,
} from './canary.ts';
export type { EndpointHealth, EndpointOptions } from './endpoint-registry.ts';
export { type HealthErrorCode, healthErrors } from './errors.ts';
export {
  createFrontendInstances,
  endpointPath,
  type FrontendInstance,
  type FrontendInstances,
  frontendHealthBody,
} from './frontend-health.ts';
export type { HealthBody, HealthReport } from './health-body.ts';
export {
  createHealthState,
  type HealthState,
  type HealthStateOptions,
  type HealthStatus,
} from './health-state.ts';
export {
  createHealthHandlers,
  type HealthHandlers,
  type HealthHandlersOptions,
  type MetricsScrape,
  type NodeHandler,
} from './http-handlers.ts';
export type { LifecyclePhase } from './lifecycle.ts';
export {
  DEFAULT_CHECK_TIMEOUT_MS,
  type ReadinessCheckFn,
  type ReadinessCheckOutcome,
} from './readiness-check.ts';
export type { ReadinessCheckOptions } from './readiness-checks.ts';
export {
  createShutdownCoordinator,
  type HookResult,
  type ShutdownCoordinator,
  type ShutdownCoordinatorOptions,
  type ShutdownHook,
  type ShutdownHookOptions,
  type ShutdownPhase,
  type ShutdownResult,
} from './shutdown.ts';
export {
  isSystemServer,
  type SystemServer,
  type SystemServerOptions,
  startSystemServer,
} from './system-server.ts';
