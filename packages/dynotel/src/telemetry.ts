import type { Server } from 'node:http';
import type { DynotelConfig } from '@dynotel/core';
import type {
  CanaryHandler,
  HealthHandlers,
  HealthState,
  ShutdownResult,
  SystemServer,
} from '@dynotel/health';
import type { DynotelLogger } from '@dynotel/logging';
import type { FrontendMetrics, MetricsLevel, MetricsRoot } from '@dynotel/metrics';
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
  /** The request instrumentation the Express and Fastify middleware share. */
  readonly http: HttpInstrumentation;
  /** The system status server once it listens; `undefined` when DYN_SYSTEM_PORT is off or it failed. */
  readonly systemServer: Promise<SystemServer | undefined>;
  /** True when initialisation failed and this handle runs on defaults with export off (the reason was logged). */
  readonly degraded: boolean;
  /** Dynamo's `dynamo_frontend_*` metrics (created on first call). */
  frontend(): FrontendMetrics;
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
