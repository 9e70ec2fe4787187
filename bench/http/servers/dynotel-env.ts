/**
 * The environment a dynotel benchmark server initialises from: export on to the harness's OTLP sink
 * (spans, and log records as Dynamo does when export is on), JSONL logs, no system server.
 */
import { otlpEndpoint } from './admin.ts';

export type DynotelVariant = 'full' | 'sampled-10pct' | 'metrics-only';

export function dynotelEnv(variant: DynotelVariant): Record<string, string> {
  if (variant === 'metrics-only') {
    // The same middleware with the tracing SDK off and access lines filtered out: RED metrics and the
    // request id only.
    return { OTEL_SDK_DISABLED: 'true', DYN_LOGGING_JSONL: 'true', DYN_LOG: 'warn' };
  }
  return {
    OTEL_EXPORT_ENABLED: 'true',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpEndpoint(),
    DYN_LOGGING_JSONL: 'true',
    ...(variant === 'sampled-10pct'
      ? { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' }
      : {}),
  };
}
