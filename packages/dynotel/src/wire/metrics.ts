import type { DynotelConfig } from '@dynotel/core';
import {
  type ComponentLevel,
  createFrontendMetrics,
  createFrontendStageMetrics,
  createFrontendWorkerLastMetrics,
  createMetricsRoot,
  createProcessMetrics,
  createWorkHandlerMetrics,
  type FrontendMetrics,
  type FrontendStageMetrics,
  type FrontendWorkerLastMetrics,
  type MetricsLevel,
  type MetricsRoot,
  registerUptimeMetric,
  type WorkHandlerMetrics,
} from '@dynotel/metrics';
import { createHttpMetrics, type HttpMetrics } from '../http/http-metrics.ts';

export interface WiredMetrics {
  readonly root: MetricsRoot;
  /** The level of this service's identity: namespace → component when configured, else the root. */
  readonly service: MetricsLevel;
  readonly http: HttpMetrics;
  /** The component level that served endpoints attach to. */
  component(): ComponentLevel;
  /** Dynamo's frontend metric set, created on first use (a worker never exposes it). */
  frontend(): FrontendMetrics;
  /** Dynamo's frontend stage timings (`dynamo_frontend_stage_*`, tokenize, template, detokenize), on first use. */
  frontendStages(): FrontendStageMetrics;
  /** Dynamo's per-worker last-value gauges of a frontend, on first use. */
  frontendWorkers(): FrontendWorkerLastMetrics;
  /** Dynamo's `dynamo_work_handler_*` timings of a worker, on first use. */
  workHandler(): WorkHandlerMetrics;
}

export function wireMetrics(config: DynotelConfig): WiredMetrics {
  const { identity, metrics } = config;
  const root = createMetricsRoot({
    ...(identity.instanceId === undefined ? {} : { workerId: identity.instanceId }),
    // 0 means "no limit" in the environment table.
    seriesLimit: metrics.seriesLimit === 0 ? Number.MAX_SAFE_INTEGER : metrics.seriesLimit,
    maxLabelValueLength: metrics.labelValueMaxLength,
    foreignTextMaxBytes: metrics.foreignTextMaxBytes,
  });
  createProcessMetrics(root, { promClientNames: metrics.promClientNames });
  // Dynamo keeps the uptime gauge on the runtime level: only worker_id as auto-label.
  registerUptimeMetric(root);
  const namespaceLevel = identity.namespace === undefined ? undefined : root.namespace(identity.namespace);
  const service: MetricsLevel =
    namespaceLevel === undefined
      ? root
      : identity.component === undefined
        ? namespaceLevel
        : namespaceLevel.component(identity.component);
  let frontend: FrontendMetrics | undefined;
  let stages: FrontendStageMetrics | undefined;
  let workers: FrontendWorkerLastMetrics | undefined;
  let workHandler: WorkHandlerMetrics | undefined;
  let component: ComponentLevel | undefined;
  return {
    root,
    service,
    http: createHttpMetrics(service),
    component() {
      // core's identity.served: the namespace and component, else Dynamo's defaults.
      component ??= root.namespace(identity.served.namespace).component(identity.served.component);
      return component;
    },
    frontend() {
      frontend ??= createFrontendMetrics(root, { prefix: metrics.prefix, buckets: metrics.histograms });
      return frontend;
    },
    frontendStages() {
      stages ??= createFrontendStageMetrics(root);
      return stages;
    },
    frontendWorkers() {
      workers ??= createFrontendWorkerLastMetrics(root, { prefix: metrics.prefix });
      return workers;
    },
    workHandler() {
      workHandler ??= createWorkHandlerMetrics(root);
      return workHandler;
    },
  };
}
