import { type Span, trace } from '@opentelemetry/api';

/**
 * The span active here: inside a request handled by the middleware, Dynamo's `http-request` server
 * span, so a handler can record `model`, token counts or `ttft_ms` on it as Dynamo does.
 */
export function activeSpan(): Span | undefined {
  return trace.getActiveSpan();
}
