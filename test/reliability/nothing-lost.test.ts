/**
 * Nothing lost under load: with the collector up, every request served by the Express and the Fastify
 * middleware has exactly one access log line and exactly one server span, reconciled by request id,
 * and no self-metric counts a drop.
 */
import { selfMetrics } from '@dynotel/core';
import { init, type Telemetry } from 'dynotel';
import { resetTelemetryForTests } from 'dynotel/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type Framework, startApp, startDownstream, type TestApp } from '../dynotel/apps.ts';
import { LogCapture } from '../dynotel/log-capture.ts';
import { type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { quantile, runLoad } from './support/load.ts';
import { recordFigures } from './support/report.ts';
import { selfSeries, selfTotal } from './support/self-metrics.ts';
import { sized } from './support/settings.ts';

const REQUESTS = sized(1500, 6000);
const CONCURRENCY = 32;

describe.each<Framework>(['express', 'fastify'])('nothing lost on %s', (framework) => {
  let receiver: OtlpReceiver | undefined;
  let telemetry: Telemetry | undefined;
  let app: TestApp | undefined;
  let downstream: TestApp | undefined;

  afterEach(async () => {
    await app?.close();
    await downstream?.close();
    await telemetry?.shutdown('test finished');
    resetTelemetryForTests();
    await receiver?.close();
  });

  it(`${REQUESTS} requests at concurrency ${CONCURRENCY}: one access line and one server span per request id`, async () => {
    selfMetrics.reset();
    receiver = await startOtlpReceiver();
    const logs = new LogCapture();
    telemetry = init({
      env: {
        DYN_LOGGING_JSONL: '1',
        // The load generator runs in this process: its calls are not the service's, so no CLIENT spans.
        DYN_INSTRUMENT_HTTP_CLIENT: 'false',
        DYN_INSTRUMENT_FETCH: 'false',
        OTEL_EXPORT_ENABLED: '1',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcEndpoint,
        OTEL_SERVICE_NAME: `reliability-${framework}`,
        OTEL_BSP_SCHEDULE_DELAY: '50',
        DYN_SHUTDOWN_DRAIN_DELAY: '0',
      },
      handleSignals: false,
      logDestination: logs,
    });
    downstream = await startDownstream(telemetry);
    app = await startApp(framework, telemetry, downstream.url);
    const base = app.url;

    const started = performance.now();
    const results = await runLoad({
      url: (i) => `${base}/v1/items/${i}`,
      total: REQUESTS,
      concurrency: CONCURRENCY,
      idPrefix: `${framework}-load`,
    });
    const seconds = (performance.now() - started) / 1000;
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    expect(results.every((r) => r.echoedId === r.id)).toBe(true);

    await telemetry.tracing.forceFlush();
    const spans = await receiver.waitForSpans(REQUESTS, 30_000);
    const spansById = new Map<string, number>();
    for (const span of spans) {
      if (span.kind !== 2) continue;
      const id = String(span.attributes.x_request_id);
      spansById.set(id, (spansById.get(id) ?? 0) + 1);
    }
    const accessById = new Map<string, number>();
    const handlerById = new Map<string, number>();
    for (const line of logs.records()) {
      const id = String(line.x_request_id);
      if (line.message === 'http response sent') accessById.set(id, (accessById.get(id) ?? 0) + 1);
      if (line.message === 'handling item') handlerById.set(id, (handlerById.get(id) ?? 0) + 1);
    }
    const wrong = results.filter(
      (r) => spansById.get(r.id) !== 1 || accessById.get(r.id) !== 1 || handlerById.get(r.id) !== 1,
    );
    expect(
      wrong.map((r) => ({ id: r.id, spans: spansById.get(r.id), access: accessById.get(r.id) })),
    ).toEqual([]);
    // Nothing extra either: no span or access line for a request that was not sent.
    expect(spansById.size).toBe(REQUESTS);
    expect(accessById.size).toBe(REQUESTS);
    expect(selfTotal('dynotel_spans_dropped_total')).toBe(0);
    expect(selfTotal('dynotel_log_lines_dropped_total')).toBe(0);
    expect(selfSeries('dynotel_spans_exported_total')).toEqual({ '{}': REQUESTS });

    recordFigures(`nothing-lost-${framework}`, {
      requests: REQUESTS,
      concurrency: CONCURRENCY,
      requestsPerSecond: Math.round(REQUESTS / seconds),
      p99Ms: Number(
        quantile(
          results.map((r) => r.latencyMs),
          0.99,
        ).toFixed(1),
      ),
      serverSpans: spansById.size,
      accessLines: accessById.size,
      spansDropped: selfTotal('dynotel_spans_dropped_total'),
      logLinesDropped: selfTotal('dynotel_log_lines_dropped_total'),
    });
  });
});
