import {
  type Context,
  isSpanContextValid,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  trace,
} from '@opentelemetry/api';
import { isTracingSuppressed, TraceState } from '@opentelemetry/core';
import { formatTraceparent, parseTraceparent } from './traceparent.ts';

export const TRACEPARENT_HEADER = 'traceparent';
export const TRACESTATE_HEADER = 'tracestate';

/**
 * The W3C Trace Context propagator (`traceparent` + `tracestate`, no baggage, as Dynamo). Stricter than
 * the opentelemetry-js one where the spec says so: repeated `traceparent` headers make the header invalid,
 * any amount of OWS is trimmed, and flags are always written as two hex digits.
 */
export class W3CTraceContextStrictPropagator implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const spanContext = trace.getSpanContext(context);
    if (spanContext === undefined || isTracingSuppressed(context) || !isSpanContextValid(spanContext)) return;
    setter.set(carrier, TRACEPARENT_HEADER, formatTraceparent(spanContext));
    const traceState = spanContext.traceState?.serialize();
    if (traceState !== undefined && traceState !== '') setter.set(carrier, TRACESTATE_HEADER, traceState);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const raw = getter.get(carrier, TRACEPARENT_HEADER);
    // Two traceparent headers are ambiguous: the spec's test suite expects a new trace.
    const header = Array.isArray(raw) ? (raw.length === 1 ? raw[0] : undefined) : raw;
    if (header === undefined) return context;
    const spanContext = parseTraceparent(header);
    if (spanContext === undefined) return context;
    const rawState = getter.get(carrier, TRACESTATE_HEADER);
    const state = Array.isArray(rawState) ? rawState.join(',') : rawState;
    if (state !== undefined && state !== '') {
      // TraceState drops invalid members and enforces the 32-member / 512-character limits.
      const traceState = new TraceState(state);
      if (traceState.serialize() !== '') spanContext.traceState = traceState;
    }
    return trace.setSpanContext(context, spanContext);
  }

  fields(): string[] {
    return [TRACEPARENT_HEADER, TRACESTATE_HEADER];
  }
}
