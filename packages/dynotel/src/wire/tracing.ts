import type { DynotelConfig } from '@dynotel/core';
import { createTracing, type Tracing } from '@dynotel/tracing';
import type { InitOptions } from '../options.ts';

export function wireTracing(config: DynotelConfig, options: InitOptions): Tracing {
  const { tracing, identity } = config;
  return createTracing({
    exportEnabled: tracing.exportEnabled && tracing.tracesExporter === 'otlp',
    sdkDisabled: tracing.sdkDisabled,
    endpoint: tracing.traces.endpoint,
    protocol: tracing.traces.protocol,
    headers: tracing.traces.headers,
    timeoutMs: tracing.traces.timeoutMs,
    compression: tracing.traces.compression,
    serviceName: identity.serviceName,
    resourceAttributes: identity.resourceAttributes,
    sampler: tracing.sampler,
    samplerArg: tracing.samplerRatio,
    batch: tracing.batch,
    namespace: identity.namespace,
    component: identity.component,
    instance: identity.instanceId,
    ...(options.spanExporter === undefined ? {} : { exporter: options.spanExporter }),
    ...(options.spanProcessors === undefined ? {} : { spanProcessors: options.spanProcessors }),
  });
}
