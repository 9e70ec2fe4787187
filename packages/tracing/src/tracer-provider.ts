import type { Tracer, TracerOptions } from '@opentelemetry/api';
import { TracerProvider as SdkTracerProvider } from '@opentelemetry/sdk-trace';

/**
 * The SDK's tracer provider, minus the SDK's own span metrics (`otel.sdk.span.started`,
 * `otel.sdk.span.live`).
 *
 * The SDK records them into the meter provider given in its options and, without one, into a no-op
 * meter. dynotel gives none (its span counts are `dynotel_spans_exported_total` and
 * `dynotel_spans_dropped_total`), so every span built two attribute objects and a closure for metrics
 * nobody can read. Every tracer this provider hands out (the service's, and those the application gets
 * from the global provider) gets a recorder that does nothing instead.
 *
 * The recorder is the SDK Tracer's `_tracerMetrics` field, not public API: the SDK's version is
 * pinned, and a test fails when a new version no longer has the field, rather than the saving
 * disappearing unnoticed. A tracer without it is returned unchanged.
 */
export class DynotelTracerProvider extends SdkTracerProvider {
  override getTracer(name: string, version?: string, options?: TracerOptions): Tracer {
    return withoutSpanMetrics(super.getTracer(name, version, options));
  }
}

type EndSpanMetrics = () => void;

/** The shape of sdk-trace's TracerMetrics, as its Tracer calls it. */
interface SpanMetricsRecorder {
  startSpan(parentSpanContext: unknown, samplingDecision: unknown): EndSpanMetrics;
}

const endNothing: EndSpanMetrics = () => {};
const NO_SPAN_METRICS: SpanMetricsRecorder = { startSpan: () => endNothing };

function withoutSpanMetrics(tracer: Tracer): Tracer {
  const sdkTracer = tracer as Tracer & { _tracerMetrics?: SpanMetricsRecorder };
  if (typeof sdkTracer._tracerMetrics?.startSpan === 'function') sdkTracer._tracerMetrics = NO_SPAN_METRICS;
  return tracer;
}

/** Whether `tracer` records the SDK's span metrics (for tests: false for every tracer of this provider). */
export function recordsSdkSpanMetrics(tracer: Tracer): boolean {
  const recorder = (tracer as { _tracerMetrics?: unknown })._tracerMetrics;
  return recorder !== undefined && recorder !== NO_SPAN_METRICS;
}
