import { getRequestContext, type RequestContext } from '@dynotel/core';
import { requestContextOf } from '@dynotel/core/internal';
import { type Context, type Span, trace } from '@opentelemetry/api';

/**
 * The correlation keys of the current line: trace_id/span_id and span_name (the span's name, as Dynamo's
 * JSONL lines inside a span carry it) from the active OpenTelemetry span,
 * request_id/x_request_id from dynotel's request context. Read once per line, never from user fields.
 */
export const CORRELATION_KEYS = ['request_id', 'span_id', 'span_name', 'trace_id', 'x_request_id'] as const;

const INVALID_TRACE_ID = '00000000000000000000000000000000';

export interface Correlation {
  traceId: string | undefined;
  spanId: string | undefined;
  /** The name of a recording SDK span; undefined for a span context without one (a remote parent). */
  spanName: string | undefined;
  requestContext: RequestContext | undefined;
}

/**
 * The key under which a line's fields may carry the context frame to read its correlation from (see
 * `logWithCorrelation`): a symbol, so it is never serialised and never collides with a user field.
 */
export const CORRELATION_FRAME: unique symbol = Symbol('dynotel.correlationFrame') as never;

/** Fills `into` (reused by the caller, so no allocation per line) from the active contexts. */
export function readCorrelation(into: Correlation): Correlation {
  fillFromSpan(into, trace.getActiveSpan());
  into.requestContext = getRequestContext();
  return into;
}

/** Fills `into` from a given frame (a request's OpenTelemetry context), with the same rules as `readCorrelation`. */
export function readCorrelationOf(into: Correlation, frame: Context): Correlation {
  fillFromSpan(into, trace.getSpan(frame));
  into.requestContext = requestContextOf(frame);
  return into;
}

function fillFromSpan(into: Correlation, span: Span | undefined): void {
  if (span === undefined) {
    into.traceId = undefined;
    into.spanId = undefined;
    into.spanName = undefined;
  } else {
    const spanContext = span.spanContext();
    const valid = spanContext.traceId !== INVALID_TRACE_ID;
    into.traceId = valid ? spanContext.traceId : undefined;
    into.spanId = valid ? spanContext.spanId : undefined;
    // The SDK's Span has a `name`; the API's Span interface does not expose it.
    const name = (span as { name?: unknown }).name;
    into.spanName = valid && typeof name === 'string' ? name : undefined;
  }
}
