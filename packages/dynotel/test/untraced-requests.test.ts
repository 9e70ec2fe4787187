import type { IncomingMessage } from 'node:http';
import { createTracing, type Tracing } from '@dynotel/tracing';
import { context, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { init, type Telemetry } from '../src/index.ts';
import { resetTelemetryForTests } from '../src/testing.ts';
import { Lines } from './support/lines.ts';

/**
 * With dynotel's tracing SDK off (metrics-only), a request gets no span of its own. Another SDK may be
 * tracing the same service, with its server span active when dynotel's middleware starts: dynotel must
 * log that trace's ids and leave its span alone (no attributes, no status, never ended).
 */

/** What the SDK's span shows of itself (its ReadableSpan side). */
type Recorded = { readonly attributes: Record<string, unknown>; readonly status: { readonly code: number } };

let telemetry: Telemetry | undefined;
let other: Tracing | undefined;

afterEach(async () => {
  await telemetry?.shutdown('test');
  telemetry = undefined;
  resetTelemetryForTests();
  await other?.shutdown(500);
  other = undefined;
});

const request = {
  headers: { host: '127.0.0.1' },
  method: 'GET',
  url: '/v1/items/1',
  httpVersion: '1.1',
} as unknown as IncomingMessage;

/** dynotel metrics-only (JSONL lines captured), and another SDK with a recording span of its own. */
function metricsOnlyBesideAnotherSdk() {
  other = createTracing({ serviceName: 'another-sdk' });
  const lines = new Lines();
  telemetry = init({
    env: { OTEL_SDK_DISABLED: 'true', DYN_LOGGING_JSONL: '1', DYN_SHUTDOWN_DRAIN_DELAY: '0' },
    handleSignals: false,
    logDestination: lines,
  });
  return {
    lines,
    http: telemetry.http,
    logger: telemetry.logger,
    theirs: other.tracer.startSpan('their server span'),
  };
}

describe('a request without dynotel tracing', () => {
  it("logs another SDK's active trace and never annotates or ends its span", () => {
    const { lines, http, logger, theirs } = metricsOnlyBesideAnotherSdk();
    context.with(trace.setSpan(context.active(), theirs), () => {
      const active = http.start(request);
      http.run(active, () => {
        expect(trace.getActiveSpan()?.spanContext().spanId).toBe(theirs.spanContext().spanId);
      });
      http.finish(active, { statusCode: 503, route: '/v1/items/:id' });
    });

    expect(theirs.isRecording()).toBe(true);
    const attributes = (theirs as unknown as Recorded).attributes;
    expect(attributes['http.response.status_code']).toBeUndefined();
    expect(attributes['http.route']).toBeUndefined();
    expect((theirs as unknown as Recorded).status.code).toBe(0);
    theirs.end();

    logger.flush();
    const access = lines.json().find((line) => line.target === 'http');
    expect(access).toMatchObject({
      status: 503,
      trace_id: theirs.spanContext().traceId,
      span_id: theirs.spanContext().spanId,
    });
  });

  it("logs an incoming traceparent's trace, also when another SDK's span is active", () => {
    const { lines, http, logger, theirs } = metricsOnlyBesideAnotherSdk();
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const parentId = 'b7ad6b7169203331';
    const traced = {
      headers: { host: '127.0.0.1', traceparent: `00-${traceId}-${parentId}-01` },
      method: 'GET',
      url: '/v1/items/1',
      httpVersion: '1.1',
    } as unknown as IncomingMessage;
    context.with(trace.setSpan(context.active(), theirs), () => {
      const active = http.start(traced);
      http.run(active, () => {
        const span = trace.getActiveSpan();
        expect(span?.spanContext()).toMatchObject({ traceId, spanId: parentId, isRemote: true });
        expect(span?.isRecording()).toBe(false);
      });
      http.finish(active, { statusCode: 200, route: '/v1/items/:id' });
    });
    expect((theirs as unknown as Recorded).attributes['http.response.status_code']).toBeUndefined();
    theirs.end();

    logger.flush();
    const access = lines.json().find((line) => line.target === 'http');
    expect(access).toMatchObject({ status: 200, trace_id: traceId, span_id: parentId });
  });
});
