import type { IncomingMessage } from 'node:http';
import { diag, runWithRequestContext, selfMetrics, urlForTelemetry } from '@dynotel/core';
import { type DynotelLogger, logWithCorrelation } from '@dynotel/logging';
import {
  carryRequestContext,
  extractIncomingTraceContext,
  setPrimitiveAttribute,
  setRequestIdAttributes,
} from '@dynotel/tracing';
import {
  type Context,
  context,
  INVALID_SPAN_CONTEXT,
  isSpanContextValid,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { type HttpMetrics, UNMATCHED_ROUTE } from './http-metrics.ts';
import { normaliseMethod } from './methods.ts';
import { identifyRequest, type RequestIdentity } from './request-ids.ts';

const replacedRequestIds = selfMetrics.counter(
  'dynotel_http_request_ids_replaced_total',
  'Inbound x-request-id values rejected by validation and replaced by a generated id.',
  { initial: [{}] },
);
const instrumentationErrors = selfMetrics.counter(
  'dynotel_http_instrumentation_errors_total',
  'Failures inside the HTTP instrumentation itself (the request was still served).',
  { initial: [{}] },
);

/** What the adapters (Express, Fastify, node:http) need from the initialised telemetry. */
export interface HttpInstrumentationDeps {
  readonly tracer: Tracer;
  /**
   * The tracer records spans (false when the SDK is disabled): when it does not, a request enters the
   * context the incoming headers gave, without a span of its own that could only be a no-op.
   */
  readonly spans: boolean;
  /** The access-log logger (target `http`). */
  readonly logger: DynotelLogger;
  readonly metrics: HttpMetrics;
  /** DYN_TELEMETRY_KEEP_URL_QUERY: the `uri` attribute keeps query values (default: `REDACTED`). */
  readonly keepUrlQuery?: boolean;
}

/** One request in flight: created at the start, finished once. */
export interface ActiveRequest {
  readonly identity: RequestIdentity;
  readonly span: Span;
  /** The request's OpenTelemetry context: its span, and its request context when `carried`. */
  readonly context: Context;
  /** `context` carries the request context too: entering it is enough (see `carryRequestContext`). */
  readonly carried: boolean;
  readonly method: string;
  readonly startedAt: number;
  finished: boolean;
}

type AccessLevel = 'info' | 'warn' | 'error';

const SERVER_SPAN = { kind: SpanKind.SERVER } as const;
/** The span of a request without tracing and without an incoming `traceparent`: no ids, records nothing. */
const NO_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

export interface FinishDetails {
  readonly statusCode: number;
  /** The route template (`/v1/models/:id`), or undefined when no route matched. */
  readonly route: string | undefined;
  readonly error?: unknown;
  /** The client went away before the response was complete. */
  readonly aborted?: boolean;
}

/**
 * The framework-neutral core of the middleware: per request one id resolution, one span, one context
 * `run`, and at the end one histogram observation and one access line. Adapters call `start`, run the
 * rest of the request inside `run`, and call `finish` exactly once.
 */
export class HttpInstrumentation {
  readonly #deps: HttpInstrumentationDeps;

  constructor(deps: HttpInstrumentationDeps) {
    this.#deps = deps;
  }

  start(req: IncomingMessage): ActiveRequest {
    const identity = identifyRequest(req.headers);
    if (identity.replaced) replacedRequestIds.inc();
    const method = normaliseMethod(req.method);
    let span: Span;
    let requestContext: Context;
    let carried = false;
    if (this.#deps.spans) {
      // The request context first: when it can be carried, the incoming trace and then the span are set
      // on a chained context (no copy of the values before them, for any of the three).
      const active = context.active();
      const carrying = carryRequestContext(active, identity);
      carried = carrying !== undefined;
      const parent = extractIncomingTraceContext(req.headers, carrying ?? active);
      span = this.#startSpan(req, identity, method, parent);
      requestContext = trace.setSpan(parent, span);
    } else {
      const parent = extractIncomingTraceContext(req.headers);
      requestContext = parent;
      // No span of its own, which could only be a no-op: the incoming trace (if any) still reaches the
      // log lines, from its span context in `parent`. Wrapped, never the parent's span itself: that may
      // be another SDK's recording span, which `finish` must not annotate or end.
      const incoming = trace.getSpanContext(parent);
      span =
        incoming !== undefined && isSpanContextValid(incoming) ? trace.wrapSpanContext(incoming) : NO_SPAN;
    }
    this.#deps.metrics.active.labels(method).inc();
    return {
      identity,
      span,
      context: requestContext,
      carried,
      method,
      startedAt: performance.now(),
      finished: false,
    };
  }

  #startSpan(req: IncomingMessage, identity: RequestIdentity, method: string, parent: Context): Span {
    // Attributes are set after the sampling decision, and only on a recorded span: the samplers dynotel
    // configures (OTEL_TRACES_SAMPLER) never read them, and a sampled-out request then skips building
    // and validating nine attributes (a third of its span cost at 10% sampling).
    const span = this.#deps.tracer.startSpan('http-request', SERVER_SPAN, parent);
    if (span.isRecording()) {
      // Dynamo's `http-request` span fields (method, uri, version) beside the OTel HTTP conventions.
      // One call each rather than setAttributes({...}): no object to build and walk per request; and
      // setPrimitiveAttribute, as these values are strings the SDK's AnyValue validation cannot reject.
      setPrimitiveAttribute(span, 'method', req.method ?? '');
      setPrimitiveAttribute(span, 'uri', urlForTelemetry(req.url ?? '', this.#deps.keepUrlQuery === true));
      setPrimitiveAttribute(span, 'version', httpVersion(req.httpVersion));
      setPrimitiveAttribute(span, 'http.request.method', method);
      setPrimitiveAttribute(span, 'url.path', pathOf(req.url));
      setRequestIdAttributes(span, identity);
    }
    return span;
  }

  /** Runs `fn` with the request's span active and its request context set. */
  run<T>(active: ActiveRequest, fn: () => T): T {
    if (active.carried) return context.with(active.context, fn);
    // `with`'s extra arguments instead of a closure: nothing allocated per request beyond the contexts.
    return context.with(active.context, runWithRequestContext<T>, undefined, active.identity, fn);
  }

  /**
   * The access line carries trace_id, span_id and the request ids although `finish` runs from the
   * response's 'close' event, outside the request's async context: the request's span and ids are handed
   * to the logger for this one line (`logWithCorrelation`), instead of re-entering both contexts for it
   * to read them back (two context frames per request).
   */
  #writeAccessLine(active: ActiveRequest, level: AccessLevel, fields: Record<string, unknown>): void {
    logWithCorrelation(
      this.#deps.logger,
      level,
      { span: active.span, requestContext: active.identity, context: active.context },
      fields,
      'http response sent',
    );
  }

  finish(active: ActiveRequest, details: FinishDetails): void {
    if (active.finished) return;
    active.finished = true;
    try {
      const seconds = (performance.now() - active.startedAt) / 1000;
      const route = details.route ?? UNMATCHED_ROUTE;
      const status = details.statusCode;
      const metrics = this.#deps.metrics;
      metrics.active.labels(active.method).dec();
      metrics.duration.labels(active.method, route, String(status)).observe(seconds);
      const span = active.span;
      setPrimitiveAttribute(span, 'http.response.status_code', status);
      if (details.route !== undefined) setPrimitiveAttribute(span, 'http.route', details.route);
      if (details.error !== undefined) span.recordException(details.error as Error);
      if (status >= 500 || details.error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR });
      const level: AccessLevel = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      if (this.#deps.logger.isLevelEnabled(level)) {
        const fields: Record<string, unknown> = {
          method: active.method,
          route,
          status,
          latency_ms: Math.round(seconds * 1e6) / 1e3,
        };
        if (details.aborted) fields.aborted = true;
        this.#writeAccessLine(active, level, fields);
      }
      span.end();
    } catch (error) {
      // Telemetry must never fail the request: count it, say it once, and make sure the span ends.
      instrumentationErrors.inc();
      diag.once('dynotel.http.finish', {
        level: 'error',
        target: 'dynotel.http',
        message: 'recording a finished request failed; further failures are only counted',
        fields: { error: String(error) },
      });
      try {
        active.span.end();
      } catch {}
    }
  }
}

/** `HTTP/1.1` for the two versions every request has, made once instead of per request. */
function httpVersion(version: string): string {
  return version === '1.1' ? 'HTTP/1.1' : version === '1.0' ? 'HTTP/1.0' : `HTTP/${version}`;
}

function pathOf(url: string | undefined): string {
  if (url === undefined) return '';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
