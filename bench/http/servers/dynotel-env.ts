/**
 * The environment a dynotel benchmark server initialises from: spans exported to the harness's OTLP
 * sink, one JSONL access line per request (as the performance target defines "full dynotel"), no system
 * server. Log records are not also exported over OTLP (`OTEL_LOGS_EXPORTER=none`): the target counts the
 * JSONL line, which Loki collects from stdout; exporting each line a second time costs ~15 µs (RESULTS.md).
 */
import { otlpEndpoint } from './admin.ts';

export type DynotelVariant = 'full' | 'sampled-10pct' | 'metrics-only';

/**
 * `BENCH_DYNOTEL_ENV='{"DYN_LOG":"warn"}'` overrides variables of every dynotel server: ablations while
 * profiling (what does the access line cost? the export?), never in recorded runs.
 */
function overrides(): Record<string, string> {
  const raw = process.env.BENCH_DYNOTEL_ENV;
  return raw === undefined ? {} : (JSON.parse(raw) as Record<string, string>);
}

export function dynotelEnv(variant: DynotelVariant): Record<string, string> {
  return { ...variantEnv(variant), ...overrides() };
}

function variantEnv(variant: DynotelVariant): Record<string, string> {
  if (variant === 'metrics-only') {
    // The same middleware with the tracing SDK off and access lines filtered out: RED metrics and the
    // request id only.
    return { OTEL_SDK_DISABLED: 'true', DYN_LOGGING_JSONL: 'true', DYN_LOG: 'warn' };
  }
  return {
    OTEL_EXPORT_ENABLED: 'true',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpEndpoint(),
    OTEL_LOGS_EXPORTER: 'none',
    DYN_LOGGING_JSONL: 'true',
    ...(variant === 'sampled-10pct'
      ? { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' }
      : {}),
  };
}
