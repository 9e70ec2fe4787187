import type { IncomingMessage } from 'node:http';
import { diag, selfMetrics, urlForTelemetry } from '@dynotel/core';
import { currentFrame, enterFrame, frameWithRequestContext, runInFrame } from '@dynotel/core/internal';
import { type DynotelLogger, logWithCorrelation } from '@dynotel/logging';
import { extractIncomingTraceContext } from '@dynotel/tracing';
import {
  isExtractedRemoteSpan,
  ownsGlobalContext,
  setRequestSpanAttributes,
  setResponseSpanAttributes,
} from '@dynotel/tracing/internal';
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
/** Failures inside the HTTP instrumentation (the channel subscriber's too); the request is still served. */
export const instrumentationErrors = selfMetrics.counter(
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
  /**
   * The request's frame: its OpenTelemetry context (its span, the incoming trace) carrying its request
   * context, so that entering it sets both.
   */
  readonly context: Context;
  readonly method: string;
  readonly startedAt: number;
  /** The route template when the framework told it before the finish (Fastify's channel or plugin). */
  route: string | undefined;
  /** The error the framework reported for this request, recorded on the span once. */
  error: unknown;
  finished: boolean;
}

/**
 * The request a request message is being served as, on the IncomingMessage: whoever sees the request
 * first (the diagnostics channel, else the Express middleware or Fastify plugin) starts it, and the
 * others reuse it, so a request is counted, traced and logged once. A global symbol: two installed
 * copies of dynotel share it.
 */
export const ACTIVE_REQUEST: unique symbol = Symbol.for('dynotel.activeRequest') as never;
type InstrumentedMessage = IncomingMessage & { [ACTIVE_REQUEST]?: ActiveRequest };

/** The request `req` is being served as, if one was started. */
export function activeRequestOf(req: IncomingMessage): ActiveRequest | undefined {
  return (req as InstrumentedMessage)[ACTIVE_REQUEST];
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
 * The framework-neutral core of the zero-code instrumentation and the middleware: per request one id
 * resolution, one span, one context frame (entered by the diagnostics channel with `enter`, or by an
 * adapter with `run`), and at the end one histogram observation and one access line. Whoever sees the
 * request first calls `start`; `finish` records it once, however often it is called.
 */
export class HttpInstrumentation {
  readonly #deps: HttpInstrumentationDeps;

  constructor(deps: HttpInstrumentationDeps) {
    this.#deps = deps;
  }

  /**
   * Starts `req`, or returns the request already started for it (the zero-code instrumentation saw it
   * first: the adapter then only adds what it knows). `base` is the context the request nests in: the
   * active one for the adapters (as before), the root one for the diagnostics channel (which runs in the
   * connection's context; on Node without AsyncContextFrame that is still the previous request's).
   */
  start(req: IncomingMessage, base: Context = context.active()): ActiveRequest {
    const existing = (req as InstrumentedMessage)[ACTIVE_REQUEST];
    if (existing !== undefined) return existing;
    const identity = identifyRequest(req.headers);
    if (identity.replaced) replacedRequestIds.inc();
    const method = normaliseMethod(req.method);
    // The request context first, then the incoming trace, then the span: each set on a chained context
    // (no copy of the values before it), and the result is the request's one frame.
    const parent = extractIncomingTraceContext(
      req.headers,
      frameWithRequestContext(identity, base) as Context,
    );
    let span: Span;
    let requestContext: Context;
    if (this.#deps.spans) {
      span = this.#startSpan(req, identity, method, parent);
      requestContext = trace.setSpan(parent, span);
    } else {
      requestContext = parent;
      // No span of its own, which could only be a no-op: the incoming trace (if any) still reaches the
      // log lines, from its span context in `parent`. The remote span the extraction just made is
      // non-recording and dynotel's own; any other span of `parent` is wrapped, never used itself: it may
      // be another SDK's recording span, which `finish` must not annotate or end.
      span = spanForLogLines(parent);
    }
    this.#deps.metrics.active.labels(method).inc();
    const active: ActiveRequest = {
      identity,
      span,
      context: requestContext,
      method,
      startedAt: performance.now(),
      route: undefined,
      error: undefined,
      finished: false,
    };
    (req as InstrumentedMessage)[ACTIVE_REQUEST] = active;
    return active;
  }

  #startSpan(req: IncomingMessage, identity: RequestIdentity, method: string, parent: Context): Span {
    // Attributes are set after the sampling decision, and only on a recorded span: the samplers dynotel
    // configures (OTEL_TRACES_SAMPLER) never read them, and a sampled-out request then skips building
    // and validating nine attributes (a third of its span cost at 10% sampling).
    const span = this.#deps.tracer.startSpan('http-request', SERVER_SPAN, parent);
    if (span.isRecording()) {
      // Dynamo's `http-request` span fields (method, uri, version) beside the OTel HTTP conventions,
      // without the SDK's setAttributes: these are strings its AnyValue validation cannot reject.
      setRequestSpanAttributes(span, {
        method: req.method ?? '',
        uri: urlForTelemetry(req.url ?? '', this.#deps.keepUrlQuery === true),
        version: httpVersion(req.httpVersion),
        requestMethod: method,
        path: pathOf(req.url),
        xRequestId: identity.xRequestId,
        requestId: identity.requestId,
      });
    }
    return span;
  }

  /**
   * Runs `fn` in the request's frame. Already in it (the diagnostics channel entered it before the
   * framework's handler ran): calls `fn` directly, no second frame. When another context manager is the
   * global one, its context and dynotel's store are entered separately (two frames).
   */
  run<T>(active: ActiveRequest, fn: () => T): T {
    if (!ownsGlobalContext()) {
      // `with`'s extra arguments instead of a closure: nothing allocated per request beyond the frames.
      return context.with(active.context, runInFrame<[], T>, undefined, active.context, fn);
    }
    if (currentFrame() === active.context) return fn();
    return context.with(active.context, fn);
  }

  /**
   * Makes the request's frame the current one for the rest of the current synchronous run and all it
   * schedules: the diagnostics channel is published just before the server's 'request' event, so the
   * application's handler runs in it. No second frame, no closure.
   */
  enter(active: ActiveRequest): void {
    enterFrame(active.context);
  }

  /**
   * Forgets a request that turned out not to be the application's (dynotel's own /metrics, /health, /live
   * on the application's port): no metric, no span exported, no access line.
   */
  discard(active: ActiveRequest): void {
    if (active.finished) return;
    active.finished = true;
    this.#deps.metrics.active.labels(active.method).dec();
  }

  /** Records the error the framework reported for the request on its span, once however often reported. */
  recordError(active: ActiveRequest, error: unknown): void {
    if (active.error === error) return;
    active.error = error;
    active.span.recordException(error as Error);
  }

  /**
   * The access line carries trace_id, span_id and the request ids although `finish` runs from the
   * response's 'close' event, possibly outside the request's async context: the request's frame is handed
   * to the logger for this one line (`logWithCorrelation`), instead of entering it for the logger to read
   * it back (a context frame per request).
   */
  #writeAccessLine(active: ActiveRequest, level: AccessLevel, fields: Record<string, unknown>): void {
    logWithCorrelation(this.#deps.logger, level, active.context, fields, 'http response sent');
  }

  finish(active: ActiveRequest, details: FinishDetails): void {
    if (active.finished) return;
    active.finished = true;
    try {
      const seconds = (performance.now() - active.startedAt) / 1000;
      const known = details.route ?? active.route;
      const route = known ?? UNMATCHED_ROUTE;
      const status = details.statusCode;
      const metrics = this.#deps.metrics;
      metrics.active.labels(active.method).dec();
      metrics.duration.labels(active.method, route, String(status)).observe(seconds);
      const span = active.span;
      setResponseSpanAttributes(span, status, known);
      if (details.error !== undefined) this.recordError(active, details.error);
      if (status >= 500 || active.error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR });
      const level: AccessLevel = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      if (this.#deps.logger.isLevelEnabled(level)) {
        const fields: Record<string, unknown> = {
          method: active.method,
          route,
          status,
          latency_ms: Math.round(seconds * 1e6) / 1e3,
        };
        if (details.aborted) fields.aborted = true;
        // The error's message on the access line; its stack is on the error's own line and the span.
        if (active.error !== undefined) fields.error = errorMessage(active.error);
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

/**
 * The span whose ids the log lines of a request without a span of its own carry: none (`NO_SPAN`, the
 * usual case, found with one lookup), the remote span extracted from its `traceparent` (non-recording
 * and dynotel's own), or a non-recording copy of any other valid span of `parent`.
 */
function spanForLogLines(parent: Context): Span {
  const span = trace.getSpan(parent);
  if (span === undefined) return NO_SPAN;
  if (isExtractedRemoteSpan(parent, span)) return span;
  const spanContext = span.spanContext();
  return isSpanContextValid(spanContext) ? trace.wrapSpanContext(spanContext) : NO_SPAN;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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
