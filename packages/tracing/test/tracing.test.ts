import { isDynotelError, runWithRequestContext } from '@dynotel/core';
import { context, ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, test } from 'vitest';
import {
  createTracing,
  currentTraceIds,
  extractTraceContext,
  injectTraceHeaders,
  setRequestIdAttributes,
  type Tracing,
  type TracingOptions,
  tracingErrors,
  withSpan,
} from '../src/index.ts';
import { createSpanCollector, InMemorySpanExporter } from '../src/testing/index.ts';

let tracing: Tracing | undefined;

afterEach(async () => {
  await tracing?.shutdown(500);
  tracing = undefined;
});

function start(options: TracingOptions = {}) {
  const collector = createSpanCollector();
  tracing = createTracing({ serviceName: 'svc', ...options, spanProcessors: [collector] });
  return { t: tracing, collector };
}

describe('withSpan', () => {
  test('nests spans through sync and async code and ends them', async () => {
    const { collector } = start();
    await withSpan('outer', async (outer) => {
      expect(currentTraceIds()?.spanId).toBe(outer.spanContext().spanId);
      await new Promise((resolve) => setTimeout(resolve, 1));
      withSpan('inner', (inner) => {
        expect(inner.spanContext().traceId).toBe(outer.spanContext().traceId);
      });
    });
    const [inner, outer] = collector.spans();
    expect(inner?.name).toBe('inner');
    expect(outer?.name).toBe('outer');
    expect(inner?.parentSpanContext?.spanId).toBe(outer?.spanContext().spanId);
    expect(outer?.parentSpanContext).toBeUndefined();
    expect(outer?.instrumentationScope.name).toBe('svc');
  });

  test('records a thrown error or a rejection and rethrows it', async () => {
    const { collector } = start();
    expect(() =>
      withSpan('sync-fail', () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    await expect(withSpan('async-fail', async () => Promise.reject(new Error('later')))).rejects.toThrow(
      'later',
    );
    const [sync, async] = collector.spans();
    expect(sync?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'boom' });
    expect(sync?.events[0]?.name).toBe('exception');
    expect(async?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'later' });
  });

  test('a span started under an extracted context continues the remote trace', () => {
    const { t, collector } = start();
    const parent = extractTraceContext(
      { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      ROOT_CONTEXT,
    );
    t.withSpan('handle_payload', () => {}, { context: parent });
    const [span] = collector.spans();
    expect(span?.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(span?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
  });

  test('an invalid traceparent starts a new trace', () => {
    const { t, collector } = start();
    const parent = extractTraceContext({
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-x',
    });
    t.withSpan('http-request', () => {}, { context: parent });
    const [span] = collector.spans();
    expect(span?.parentSpanContext).toBeUndefined();
    expect(span?.spanContext().traceId).not.toBe('0af7651916cd43dd8448eb211c80319c');
    expect(span?.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('request ids', () => {
  test('setRequestIdAttributes reads the request context, or takes explicit ids', () => {
    const { collector } = start();
    runWithRequestContext({ requestId: 'r-1', xRequestId: 'x-1' }, () =>
      withSpan('a', (span) => setRequestIdAttributes(span)),
    );
    withSpan('b', (span) => setRequestIdAttributes(span, { requestId: 'r-2' }));
    withSpan('c', (span) => setRequestIdAttributes(span));
    const [a, b, c] = collector.spans();
    expect(a?.attributes).toEqual({ x_request_id: 'x-1', request_id: 'r-1' });
    expect(b?.attributes).toEqual({ request_id: 'r-2' });
    expect(c?.attributes).toEqual({});
  });

  test('injectTraceHeaders forwards traceparent and the request ids of the current request', () => {
    start();
    const headers = runWithRequestContext({ requestId: 'r-1', xRequestId: 'x-1' }, () =>
      withSpan('client', (span) => ({ headers: injectTraceHeaders(), span: span.spanContext() })),
    );
    expect(headers.headers).toEqual({
      // 03: sampled, and random (Level 2) as the trace started here with ids from the CSPRNG.
      traceparent: `00-${headers.span.traceId}-${headers.span.spanId}-03`,
      'x-request-id': 'x-1',
      'request-id': 'r-1',
    });
    const without = runWithRequestContext({ requestId: 'r-1' }, () =>
      withSpan('client', () => injectTraceHeaders({}, { requestIds: false })),
    );
    expect(Object.keys(without)).toEqual(['traceparent']);
  });
});

describe('createTracing', () => {
  test('without export, spans still get ids (for logs) and nothing is exported', () => {
    const { t, collector } = start();
    expect(t.exporting).toBe(false);
    t.withSpan('local', () => {
      expect(currentTraceIds()?.traceId).toMatch(/^[0-9a-f]{32}$/);
    });
    expect(collector.spans()).toHaveLength(1);
  });

  test('a custom exporter gets batches through the bounded processor; forceFlush delivers them', async () => {
    const exporter = new InMemorySpanExporter();
    const { t } = start({ exporter, batch: { scheduleDelayMs: 60_000 } });
    expect(t.exporting).toBe(true);
    for (let i = 0; i < 3; i++) t.withSpan(`s${i}`, () => {});
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    await t.forceFlush(1000);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['s0', 's1', 's2']);
  });

  test('shutdown delivers what is queued, then unregisters the globals', async () => {
    const delivered: string[] = [];
    const exporter: SpanExporter = {
      export: (spans, done) => {
        delivered.push(...spans.map((s) => s.name));
        done({ code: ExportResultCode.SUCCESS });
      },
      shutdown: async () => {},
    };
    const { t } = start({ exporter, batch: { scheduleDelayMs: 60_000 } });
    t.withSpan('last', () => {});
    expect(delivered).toEqual([]);
    await t.shutdown(1000);
    tracing = undefined;
    expect(delivered).toEqual(['last']);
    expect(trace.getTracerProvider().getTracer('x').startSpan('after').isRecording()).toBe(false);
  });

  test('sampler always_off records nothing', () => {
    const { collector } = start({ sampler: 'always_off' });
    withSpan('dropped', () => {});
    expect(collector.spans()).toHaveLength(0);
  });

  test('parentbased_traceidratio with ratio 0 samples no root but keeps sampled remote parents', () => {
    const { t, collector } = start({ sampler: 'parentbased_traceidratio', samplerArg: 0 });
    t.withSpan('root', () => {});
    const parent = extractTraceContext(
      { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      ROOT_CONTEXT,
    );
    t.withSpan('child-of-sampled', () => {}, { context: parent });
    expect(collector.spans().map((s) => s.name)).toEqual(['child-of-sampled']);
  });

  test('sdkDisabled gives a no-op tracer, no tracer provider, and passes the incoming trace through', async () => {
    const t = createTracing({ sdkDisabled: true, exportEnabled: true });
    try {
      const span = t.tracer.startSpan('noop');
      expect(span.isRecording()).toBe(false);
      expect(t.exporting).toBe(false);
      t.withSpan('noop', () => {
        expect(currentTraceIds()).toBeUndefined();
      });
      expect(context.active()).toBe(ROOT_CONTEXT);
      expect(trace.getTracerProvider().getTracer('x').startSpan('y').isRecording()).toBe(false);
      // The context manager and the propagator are registered: an incoming traceparent and tracestate
      // reach outgoing headers unchanged, random flag included.
      const incoming = {
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-02',
        tracestate: 'foo@bar=1,1k=2',
      };
      const outgoing = context.with(extractTraceContext(incoming, ROOT_CONTEXT), () => injectTraceHeaders());
      expect(outgoing).toEqual(incoming);
    } finally {
      await t.shutdown();
    }
    expect(context.with(extractTraceContext({ traceparent: 'x' }), () => injectTraceHeaders())).toEqual({});
  });

  test('service name: OTEL_SERVICE_NAME wins over resource attributes, which win over the default', () => {
    expect(createTracing({ sdkDisabled: true, registerGlobal: false }).options.serviceName).toBe('dynamo');
    expect(
      createTracing({ sdkDisabled: true, registerGlobal: false, resourceAttributes: { 'service.name': 'a' } })
        .options.serviceName,
    ).toBe('a');
    expect(
      createTracing({
        sdkDisabled: true,
        registerGlobal: false,
        serviceName: 'b',
        resourceAttributes: { 'service.name': 'a' },
      }).options.serviceName,
    ).toBe('b');
  });

  test("the endpoint is used as is; the defaults come from core's OTel endpoint rule", () => {
    const url = (options: TracingOptions) =>
      createTracing({ sdkDisabled: true, registerGlobal: false, ...options }).options.url.href;
    expect(url({})).toBe('http://localhost:4317/');
    expect(url({ protocol: 'http/protobuf' })).toBe('http://localhost:4318/v1/traces');
    // A resolved URL is never rewritten: no path appended, with or without a trailing slash.
    expect(url({ protocol: 'http/protobuf', endpoint: 'http://collector:4318/' })).toBe(
      'http://collector:4318/',
    );
    expect(url({ protocol: 'http/protobuf', endpoint: 'http://c:4318/custom' })).toBe('http://c:4318/custom');
    expect(url({ endpoint: 'http://tempo:4317' })).toBe('http://tempo:4317/');
  });

  test('batch size larger than the queue is clamped, like the spec allows', () => {
    const t = createTracing({
      sdkDisabled: true,
      registerGlobal: false,
      batch: { maxQueueSize: 10, maxExportBatchSize: 50 },
    });
    expect(t.options.batch.maxExportBatchSize).toBe(10);
  });

  test.each([
    [{ protocol: 'http/json' }, 'protocol'],
    [{ sampler: 'sometimes' }, 'sampler'],
    [{ samplerArg: 1.5 }, 'samplerArg'],
    [{ endpoint: 'collector:4317' }, 'endpoint'],
    [{ endpoint: 'ftp://x' }, 'endpoint'],
    [{ timeoutMs: 0 }, 'timeoutMs'],
    [{ batch: { maxQueueSize: 2.5 } }, 'batch.maxQueueSize'],
    [{ compression: 'brotli' }, 'compression'],
  ])('bad option %j throws ERR_DYNOTEL_TRACING_INVALID_OPTION naming %s', (options, name) => {
    try {
      createTracing(options as TracingOptions);
      expect.unreachable();
    } catch (error) {
      expect(isDynotelError(error)).toBe(true);
      expect((error as { code: string }).code).toBe('ERR_DYNOTEL_TRACING_INVALID_OPTION');
      expect((error as Error).message).toContain(`'${name}'`);
    }
    expect(Object.keys(tracingErrors.errors)).toContain('ERR_DYNOTEL_TRACING_INVALID_OPTION');
  });
});
