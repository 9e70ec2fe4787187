import {
  type Context,
  createContextKey,
  isSpanContextValid,
  type Span,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  trace,
} from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { W3CTraceState } from './trace-state.ts';
import { formatTraceparent, parseTraceparent, RANDOM_TRACE_FLAG } from './traceparent.ts';

export const TRACEPARENT_HEADER = 'traceparent';
export const TRACESTATE_HEADER = 'tracestate';

/**
 * The remote span an extracted `traceparent` named, as `extract` made it: its context carries the trace
 * id and whether the header had Level 2's `random` flag. The same object is the context's span, so
 * keeping it here costs no allocation.
 */
const EXTRACTED_SPAN_KEY = createContextKey('dynotel w3c extracted span');

/**
 * True when `span` is the remote span of a `traceparent` this propagator extracted into `context`, false
 * for any other span: one made by another SDK or set with `trace.setSpan`, or a child started in the
 * context. The HTTP instrumentation without spans of its own hands that span to the log lines as it is,
 * without wrapping and validating its span context a second time.
 */
export function isExtractedRemoteSpan(context: Context, span: Span): boolean {
  return context.getValue(EXTRACTED_SPAN_KEY) === span;
}

export interface W3CPropagatorOptions {
  /**
   * The trace ids of traces this process starts are random (dynotel's `PooledIdGenerator` draws them
   * from the CSPRNG): their `traceparent` carries the Level 2 `random` flag. Default true.
   */
  readonly localTraceIdsRandom?: boolean;
}

/**
 * The W3C Trace Context propagator, Level 2 (`traceparent` + `tracestate`, no baggage, as Dynamo).
 * Stricter than the opentelemetry-js one where the spec says so: repeated `traceparent` headers make the
 * header invalid, any amount of OWS is trimmed, flags are always written as two hex digits, and
 * `tracestate` follows the Level 2 key grammar (`W3CTraceState`).
 *
 * The `random` flag: the SDK gives a child span only the `sampled` flag, so the flag of an extracted
 * `traceparent` is remembered in the context it returns and written again on every `traceparent` of that
 * trace injected from a descendant context; a trace started here gets it when `localTraceIdsRandom`.
 */
export class W3CTraceContextStrictPropagator implements TextMapPropagator {
  readonly #localTraceIdsRandom: boolean;

  constructor(options: W3CPropagatorOptions = {}) {
    this.#localTraceIdsRandom = options.localTraceIdsRandom ?? true;
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const spanContext = trace.getSpanContext(context);
    if (spanContext === undefined || isTracingSuppressed(context) || !isSpanContextValid(spanContext)) return;
    setter.set(carrier, TRACEPARENT_HEADER, formatTraceparent(spanContext, this.#randomFlag(context)));
    const traceState = spanContext.traceState?.serialize();
    if (traceState !== undefined && traceState !== '') setter.set(carrier, TRACESTATE_HEADER, traceState);
  }

  /** `RANDOM_TRACE_FLAG` when the active trace's id is random (see the class comment), else 0. */
  #randomFlag(context: Context): number {
    const spanContext = trace.getSpanContext(context);
    if (spanContext === undefined || spanContext.isRemote) return 0; // a remote one carries its own flags
    const extracted = (context.getValue(EXTRACTED_SPAN_KEY) as Span | undefined)?.spanContext();
    const random =
      extracted !== undefined && extracted.traceId === spanContext.traceId
        ? (extracted.traceFlags & RANDOM_TRACE_FLAG) !== 0
        : this.#localTraceIdsRandom;
    return random ? RANDOM_TRACE_FLAG : 0;
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
      // All or nothing, Level 2 keys, at most 32 members (see W3CTraceState).
      const traceState = W3CTraceState.parse(state);
      if (traceState !== undefined) spanContext.traceState = traceState;
    }
    const span = trace.wrapSpanContext(spanContext);
    return trace.setSpan(context.setValue(EXTRACTED_SPAN_KEY, span), span);
  }

  fields(): string[] {
    return [TRACEPARENT_HEADER, TRACESTATE_HEADER];
  }
}
