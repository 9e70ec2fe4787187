import { getRequestContext } from '@dynotel/core';
import {
  type Context,
  context,
  isSpanContextValid,
  type Span,
  type SpanContext,
  type SpanOptions,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { setPrimitiveAttribute } from './primitive-attribute.ts';

/** Span attribute names Dynamo uses for request ids (Tempo search tags `x_request_id=…`). */
export const ATTR_X_REQUEST_ID = 'x_request_id';
export const ATTR_REQUEST_ID = 'request_id';

let defaultTracerName = 'dynotel';

/** The tracer name `withSpan` uses without an explicit tracer (createTracing sets the service name). */
export function setDefaultTracerName(name: string): void {
  defaultTracerName = name;
}

export interface WithSpanOptions extends SpanOptions {
  /** Default: the global tracer provider's tracer named after the service. */
  readonly tracer?: Tracer | undefined;
  /** Parent context. Default: the active context. */
  readonly context?: Context | undefined;
}

/**
 * Runs `fn` inside a new active span and ends the span when `fn` returns or its promise settles. A
 * thrown error or rejection is recorded on the span (exception event, status ERROR) and rethrown.
 *
 * @example
 * ```ts
 * import { createTracing, withSpan } from '@dynotel/tracing';
 *
 * const tracing = createTracing({ serviceName: 'worker' });
 * const tokens = await withSpan('tokenize', async (span) => {
 *   span.setAttribute('prompt.length', 11);
 *   return 'hello world'.split(' ');
 * });
 * console.log(tokens.length); // 2
 * await tracing.shutdown();
 * ```
 */
export function withSpan<T>(name: string, fn: (span: Span) => T, options: WithSpanOptions = {}): T {
  const tracer = options.tracer ?? trace.getTracer(defaultTracerName);
  const parent = options.context ?? context.active();
  const span = tracer.startSpan(name, options, parent);
  return context.with(trace.setSpan(parent, span), () => {
    let result: T;
    try {
      result = fn(span);
    } catch (error) {
      recordError(span, error);
      span.end();
      throw error;
    }
    if (isPromiseLike(result)) {
      return result.then(
        (value) => {
          span.end();
          return value;
        },
        (error: unknown) => {
          recordError(span, error);
          span.end();
          throw error;
        },
      ) as T;
    }
    span.end();
    return result;
  });
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

function recordError(span: Span, error: unknown): void {
  const exception = error instanceof Error ? error : String(error);
  span.recordException(exception);
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}

/**
 * The trace and span ids of the active (or given) context, or `undefined` outside a valid span.
 * Returns the span's own SpanContext: no allocation, cheap enough for every log line.
 */
export function currentTraceIds(ctx: Context = context.active()): SpanContext | undefined {
  const spanContext = trace.getSpanContext(ctx);
  return spanContext !== undefined && isSpanContextValid(spanContext) ? spanContext : undefined;
}

export interface RequestIds {
  readonly xRequestId?: string | undefined;
  readonly requestId?: string | undefined;
}

/**
 * Sets Dynamo's `x_request_id` and `request_id` span attributes; without `ids`, takes them from the
 * request context of @dynotel/core (if any).
 */
export function setRequestIdAttributes(span: Span, ids: RequestIds | undefined = getRequestContext()): void {
  if (ids === undefined) return;
  if (ids.xRequestId !== undefined) setPrimitiveAttribute(span, ATTR_X_REQUEST_ID, ids.xRequestId);
  if (ids.requestId !== undefined) setPrimitiveAttribute(span, ATTR_REQUEST_ID, ids.requestId);
}
