import type { Server } from 'node:http';
import type { DynotelConfig } from '@dynotel/core';
import type {
  CanaryHandler,
  FrontendInstances,
  HealthHandlers,
  HealthState,
  ShutdownResult,
  SystemServer,
} from '@dynotel/health';
import type { DynotelLogger } from '@dynotel/logging';
import type {
  FrontendMetrics,
  FrontendStageMetrics,
  FrontendWorkerLastMetrics,
  MetricsLevel,
  MetricsRoot,
  WorkHandlerMetrics,
} from '@dynotel/metrics';
import type { Tracing } from '@dynotel/tracing';
import type { Tracer } from '@opentelemetry/api';
import type { ServedEndpoint } from './endpoint.ts';
import type { HttpInstrumentation } from './http/instrumentation.ts';

export interface ServeEndpointOptions {
  /** Makes the endpoint a canary target (DYN_HEALTH_CHECK_ENABLED): the handler gets the payload while idle. */
  readonly canary?: { readonly handler: CanaryHandler; readonly payload?: Readonly<Record<string, unknown>> };
  /** Extra const labels on the endpoint's work-handler metrics (Dynamo's `metrics_labels`). */
  readonly constLabels?: Readonly<Record<string, string>>;
}

/** What `init()` returns: every signal of the service, wired from one configuration. */
export interface Telemetry {
  /** The effective configuration (environment + options), frozen. */
  readonly config: DynotelConfig;
  /** The root of the metrics tree (the runtime level, `worker_id` only). */
  readonly metrics: MetricsRoot;
  /** The level of this service's namespace/component: custom metrics created here carry those labels. */
  readonly serviceMetrics: MetricsLevel;
  readonly logger: DynotelLogger;
  readonly tracer: Tracer;
  readonly tracing: Tracing;
  readonly health: HealthState;
  /** `/metrics`, `/health` and `/live` as node:http handlers, for the application's own server. */
  readonly handlers: HealthHandlers;
  /**
   * The backend instances this service routes to, listed on the app port's `/health` in the shape of
   * Dynamo's frontend (`instances`, and their `dyn://` paths in `endpoints`): a gateway adds each worker.
   */
  readonly instances: FrontendInstances;
  /** The request instrumentation the Express and Fastify middleware share. */
  readonly http: HttpInstrumentation;
  /** The system status server once it listens; `undefined` when DYN_SYSTEM_PORT is off or it failed. */
  readonly systemServer: Promise<SystemServer | undefined>;
  /** True when initialisation failed and this handle runs on defaults with export off (the reason was logged). */
  readonly degraded: boolean;
  /** Dynamo's `dynamo_frontend_*` metrics (created on first call). */
  frontend(): FrontendMetrics;
  /**
   * Dynamo's frontend pipeline timings (created on first call): `dynamo_frontend_stage_requests`,
   * `_stage_duration_seconds`, `_tokenize_seconds`, `_template_seconds`, `_detokenize_total_us`,
   * `_detokenize_token_count`. Wrap preprocessing, routing, dispatch, tokenization and templating.
   */
  frontendStages(): FrontendStageMetrics;
  /** Dynamo's `<prefix>_worker_last_*` gauges (created on first call): record per worker as tokens arrive. */
  frontendWorkers(): FrontendWorkerLastMetrics;
  /**
   * Dynamo's `dynamo_work_handler_*` timings of a worker (created on first call): network transit from
   * the frontend's `x-frontend-send-ts-ns` header, and time to first response.
   */
  workHandler(): WorkHandlerMetrics;
  /**
   * Declares a Dynamo endpoint this process serves: work-handler metrics, readiness, optional canary.
   * `name` defaults to DYN_ENDPOINT's endpoint (`dyn://ns.component.<endpoint>`), else `generate`.
   */
  endpoint(name?: string, options?: ServeEndpointOptions): ServedEndpoint;
  /** Lets graceful shutdown drain this server (the middleware also finds servers on its own). */
  trackServer(server: Server): void;
  /** Runs the graceful-shutdown sequence (what SIGTERM does); resolves with its result. */
  shutdown(reason?: string): Promise<ShutdownResult>;
}
