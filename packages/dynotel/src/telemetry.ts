import type { Server } from 'node:http';
import type { DynotelConfig } from '@dynotel/core';
import type {
  CanaryHandler,
  FrontendInstances,
  HealthHandlers,
  HealthState,
  ShutdownHookOptions,
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
  /** @internal The request instrumentation the Express and Fastify middleware share. */
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
  /**
   * Instruments every request of this server from Node's `http.server.request.start` diagnostics channel
   * (what DYN_INSTRUMENT_HTTP_SERVER does for every server), also those a framework answers before any of
   * its hooks run. A no-op while every server is instrumented already, and for the system status server.
   */
  instrumentServer(server: Server): void;
  /**
   * Adds an application shutdown hook (close a database pool, stop a consumer). Hooks run after the
   * drain and the in-flight wait, and before telemetry's own flush (so what they log and trace is
   * delivered): by ascending `order` (default 0, any finite number), then in the order added, each
   * bounded by its `timeoutMs` (default 5 000) and by the grace period. A hook that throws, rejects or
   * times out is logged and listed in the `ShutdownResult`; the others still run. Returns a function
   * that removes the hook. Throws `ERR_DYNOTEL_HEALTH_DUPLICATE_NAME` for a name already added.
   */
  onShutdown(name: string, hook: () => unknown, options?: ShutdownHookOptions): () => void;
  /**
   * Runs the graceful-shutdown sequence (what SIGTERM does) and closes the logger; resolves with its
   * result. Never exits the process. A signal's sequence and this call share one run.
   */
  shutdown(reason?: string): Promise<ShutdownResult>;
}
