import { diag, getRequestContext, selfMetrics } from '@dynotel/core';
import type { Histogram } from '@dynotel/metrics';
import { injectTraceContext, isInstrumentationSuppressed } from '@dynotel/tracing';
import { setPrimitiveAttribute } from '@dynotel/tracing/internal';
import { context, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { normaliseMethod, OTHER_METHOD } from '../methods.ts';
import { redactedUrl } from './redact-url.ts';

const instrumentationErrors = selfMetrics.counter(
  'dynotel_http_client_instrumentation_errors_total',
  'Failures inside the outgoing HTTP instrumentation itself (the call went on, possibly without trace headers or span).',
  { initial: [{}] },
);
const headersNotInjected = selfMetrics.counter(
  'dynotel_http_client_headers_not_injected_total',
  'Outgoing node:http requests whose headers were already written when the instrumentation saw them (headers given as an array, or a Node without the http.client.request.created channel): traced, but without traceparent or x-request-id.',
  { initial: [{}] },
);

/** What the instrumentation needs from the initialised telemetry. */
export interface OutgoingCallsDeps {
  readonly tracer: Tracer;
  /** The tracer records spans (false with the SDK disabled): then the incoming trace passes through. */
  readonly spans: boolean;
  readonly duration: Histogram;
}

/** Where an outgoing request goes, read from the request object of a diagnostics channel. */
export interface CallTarget {
  readonly method: string | undefined;
  /** `http://host:port`, as undici's `origin`. */
  readonly origin: string;
  readonly host: string;
  readonly port: number;
  /** Path and query string. */
  readonly path: string;
}

/** Access to the headers of the request being sent. */
export interface OutgoingHeaders {
  has(name: string): boolean;
  add(name: string, value: string): void;
}

/** One outgoing request in flight. */
export interface ClientCall {
  readonly span: Span | undefined;
  readonly method: string;
  readonly host: string;
  readonly port: string;
  readonly startedAt: number;
  finished: boolean;
}

const CLIENT_SPAN = { kind: SpanKind.CLIENT } as const;

/**
 * The transport-neutral core of the outgoing instrumentation: `start` when a request is created (a
 * CLIENT span, then `traceparent`/`tracestate` from that span and the request's `x-request-id`, each only
 * where the application set none), `finish` once with the status or the error. Never throws: a failure
 * is counted in `dynotel_http_client_instrumentation_errors_total` and the call goes on untouched.
 */
export class OutgoingCalls {
  readonly #deps: OutgoingCallsDeps;

  constructor(deps: OutgoingCallsDeps) {
    this.#deps = deps;
  }

  /**
   * `headers` undefined: they are already written (the call is traced but not propagated).
   * Returns undefined for a call not to instrument (dynotel's own exporters).
   */
  start(target: CallTarget, headers: OutgoingHeaders | undefined): ClientCall | undefined {
    try {
      const active = context.active();
      if (isInstrumentationSuppressed(active)) return undefined;
      const method = normaliseMethod(target.method?.toUpperCase());
      let span: Span | undefined;
      let callContext = active;
      if (this.#deps.spans) {
        span = this.#deps.tracer.startSpan(method === OTHER_METHOD ? 'HTTP' : method, CLIENT_SPAN, active);
        if (span.isRecording()) {
          setPrimitiveAttribute(span, 'http.request.method', method);
          if (method === OTHER_METHOD && target.method !== undefined) {
            setPrimitiveAttribute(span, 'http.request.method_original', target.method);
          }
          setPrimitiveAttribute(span, 'server.address', target.host);
          setPrimitiveAttribute(span, 'server.port', target.port);
          setPrimitiveAttribute(span, 'url.full', redactedUrl(target.origin, target.path));
        }
        callContext = trace.setSpan(active, span);
      }
      if (headers === undefined) headersNotInjected.inc();
      else this.#propagate(callContext, headers);
      return {
        span,
        method,
        host: target.host,
        port: String(target.port),
        startedAt: performance.now(),
        finished: false,
      };
    } catch (error) {
      this.#failed(error);
      return undefined;
    }
  }

  #propagate(callContext: ReturnType<typeof context.active>, headers: OutgoingHeaders): void {
    // What the application set itself wins: a traceparent it wrote (injectTraceHeaders, another SDK)
    // is left alone, and so is its tracestate then.
    if (!headers.has('traceparent')) {
      injectTraceContext(callContext, (name, value) => {
        if (name === 'traceparent' || !headers.has(name)) headers.add(name, value);
      });
    }
    const xRequestId = getRequestContext()?.xRequestId;
    if (xRequestId !== undefined && !headers.has('x-request-id')) headers.add('x-request-id', xRequestId);
  }

  /** Records the end of a call: the response status, or the error that ended it. Once per call. */
  finish(call: ClientCall, statusCode: number | undefined, error?: unknown): void {
    if (call.finished) return;
    call.finished = true;
    try {
      const seconds = (performance.now() - call.startedAt) / 1000;
      const errorType =
        error !== undefined
          ? errorTypeOf(error)
          : statusCode !== undefined && statusCode >= 400
            ? String(statusCode)
            : '';
      const status = statusCode === undefined ? '' : String(statusCode);
      this.#deps.duration.labels(call.method, call.host, call.port, status, errorType).observe(seconds);
      const span = call.span;
      if (span === undefined) return;
      if (statusCode !== undefined) setPrimitiveAttribute(span, 'http.response.status_code', statusCode);
      if (errorType !== '') {
        setPrimitiveAttribute(span, 'error.type', errorType);
        if (error !== undefined) span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    } catch (failure) {
      this.#failed(failure);
      try {
        call.span?.end();
      } catch {}
    }
  }

  #failed(error: unknown): void {
    instrumentationErrors.inc();
    diag.once('dynotel.http.client', {
      level: 'error',
      target: 'dynotel.http.client',
      message: 'instrumenting an outgoing HTTP request failed; further failures are only counted',
      fields: { error: String(error) },
    });
  }
}

/**
 * `error.type` of a failed call: the error's `code` (`ECONNREFUSED`, `UND_ERR_SOCKET`,
 * `UND_ERR_ABORTED`), else its class name, else `_OTHER`, as the semantic conventions advise.
 */
export function errorTypeOf(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string' && name !== '' && name !== 'Error') return name;
  }
  return '_OTHER';
}
