import { getRequestContext, type RequestContext } from '@dynotel/core';
import { trace } from '@opentelemetry/api';

/**
 * The correlation keys of the current line: trace_id/span_id from the active OpenTelemetry span,
 * request_id/x_request_id from dynotel's request context. Read once per line, never from user fields.
 */
export const CORRELATION_KEYS = ['request_id', 'span_id', 'trace_id', 'x_request_id'] as const;

const INVALID_TRACE_ID = '00000000000000000000000000000000';

export interface Correlation {
  traceId: string | undefined;
  spanId: string | undefined;
  requestContext: RequestContext | undefined;
}

/** Fills `into` (reused by the caller, so no allocation per line) and returns it. */
export function readCorrelation(into: Correlation): Correlation {
  const span = trace.getActiveSpan();
  if (span === undefined) {
    into.traceId = undefined;
    into.spanId = undefined;
  } else {
    const spanContext = span.spanContext();
    const valid = spanContext.traceId !== INVALID_TRACE_ID;
    into.traceId = valid ? spanContext.traceId : undefined;
    into.spanId = valid ? spanContext.spanId : undefined;
  }
  into.requestContext = getRequestContext();
  return into;
}
