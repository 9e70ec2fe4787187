import type { DynotelConfig } from '@dynotel/core';
import { createTracing, type Tracing } from '@dynotel/tracing';
import type { InitOptions } from '../options.ts';

/** `extraProcessors`: processors the umbrella adds (DYN_LOGGING_SPAN_EVENTS' span lifecycle lines). */
export function wireTracing(
  config: DynotelConfig,
  options: InitOptions,
  extraProcessors: NonNullable<InitOptions['spanProcessors']> = [],
): Tracing {
  const { tracing, identity } = config;
  const spanProcessors = [...(options.spanProcessors ?? []), ...extraProcessors];
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
    ...(spanProcessors.length === 0 ? {} : { spanProcessors }),
  });
}
