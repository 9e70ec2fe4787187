import { context, SpanKind, trace } from '@opentelemetry/api';
import { TracerProvider as SdkTracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, test } from 'vitest';
import { createSpanCollector } from '../src/testing/index.ts';
import { DynotelTracerProvider, recordsSdkSpanMetrics } from '../src/tracer-provider.ts';
import { createTracing, type Tracing } from '../src/tracing.ts';

let tracing: Tracing | undefined;
afterEach(async () => {
  await tracing?.shutdown(100);
  tracing = undefined;
});

describe('the SDK span metrics nobody can read are not recorded', () => {
  test('the pinned SDK still records them itself (else the replaced field is gone: revisit tracer-provider.ts)', () => {
    expect(recordsSdkSpanMetrics(new SdkTracerProvider().getTracer('app'))).toBe(true);
  });

  test("every tracer of dynotel's provider does without them: the service's and the application's", () => {
    const collector = createSpanCollector();
    tracing = createTracing({ serviceName: 'svc', spanProcessors: [collector] });
    expect(tracing.provider).toBeInstanceOf(DynotelTracerProvider);
    const appTracer = trace.getTracer('app', '1.2.3');
    for (const tracer of [tracing.tracer, appTracer, tracing.provider.getTracer('other')]) {
      expect(recordsSdkSpanMetrics(tracer)).toBe(false);
    }

    // Spans are what they were: sampled, parented, ended into the processors.
    const parent = tracing.tracer.startSpan('http-request', { kind: SpanKind.SERVER });
    const child = appTracer.startSpan('work', {}, trace.setSpan(context.active(), parent));
    child.end();
    parent.end();
    const [work, request] = collector.spans();
    expect(request?.name).toBe('http-request');
    expect(request?.instrumentationScope.name).toBe('svc');
    expect(work?.name).toBe('work');
    expect(work?.instrumentationScope).toMatchObject({ name: 'app', version: '1.2.3' });
    expect(work?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(work?.spanContext().traceId).toBe(parent.spanContext().traceId);
  });
});
