import { context, TraceFlags, trace } from '@opentelemetry/api';

/**
 * The sampled span active at the call, or undefined. Exemplars point at traces, so an unsampled span
 * (which never reaches Tempo) is not worth recording. Returns the OTel SpanContext itself: its ids are
 * strings the SDK already holds, so keeping them allocates nothing.
 */
export function activeSampledSpan(): { traceId: string; spanId: string } | undefined {
  const spanContext = trace.getSpanContext(context.active());
  if (spanContext === undefined || (spanContext.traceFlags & TraceFlags.SAMPLED) === 0) return undefined;
  return spanContext;
}

/** ` # {trace_id="…",span_id="…"} value` — OpenMetrics exemplar suffix (ids are hex, need no escaping). */
export function renderExemplar(traceId: string, spanId: string, value: string): string {
  return ` # {trace_id="${traceId}",span_id="${spanId}"} ${value}`;
}
