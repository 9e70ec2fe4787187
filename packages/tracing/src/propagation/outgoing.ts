import type { Context, TextMapSetter } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { propagator } from './headers.ts';

/** Writes one header of an outgoing request; the instrumentation decides whether an existing one wins. */
export type SetOutgoingHeader = (name: string, value: string) => void;

const callbackSetter: TextMapSetter<SetOutgoingHeader> = {
  set(set, key, value) {
    set(key, value);
  },
};

/**
 * Writes `traceparent` (and `tracestate`) for `context` through `set`: for an instrumentation that adds
 * headers to a request object (undici's `addHeader`, `ClientRequest.setHeader`) instead of a header
 * container. The same propagator as `injectTraceHeaders` (Level 2 random flag, tracestate limits).
 */
export function injectTraceContext(context: Context, set: SetOutgoingHeader): void {
  propagator.inject(context, set, callbackSetter);
}

/**
 * True inside `suppressTracing()` (`@opentelemetry/core`): dynotel's own exporters send in such a
 * context, and instrumentations leave calls made in it alone (no span per export, no recursion).
 */
export function isInstrumentationSuppressed(context: Context): boolean {
  return isTracingSuppressed(context);
}
