import { runWithRequestContext } from '@dynotel/core';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type OtlpReceiver, startOtlpReceiver } from '../../../test/support/otlp-receiver.ts';
import { createLogger, createOtlpLoggerProvider, loggingErrors } from '../src/index.ts';
import { capture } from './support/capture.ts';
import { inSpan, registerTracing } from './support/tracing.ts';

beforeAll(() => registerTracing());

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('OTLP log export through a LoggerProvider', () => {
  it('emits each written record with severity, body, attributes and the trace context', async () => {
    const exporter = new InMemoryLogRecordExporter();
    const loggerProvider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter })] });
    const out = capture();
    const logger = createLogger({
      format: 'jsonl',
      destination: out.stream,
      logUncaughtExceptions: false,
      base: { component: 'backend' },
      otlp: { loggerProvider },
    });
    const { span } = inSpan(() =>
      runWithRequestContext({ requestId: 'req-9', xRequestId: 'x-9' }, () =>
        logger.child({ target: 'http' }).warn({ status: 503, detail: { retry: true } }, 'upstream failed'),
      ),
    );
    logger.debug('filtered: never exported');
    logger.fatal('fatal is FATAL over OTLP');
    await loggerProvider.forceFlush();
    // The simple processor exports on a later microtask; wait for it rather than for a fixed time.
    await vi.waitFor(() => expect(exporter.getFinishedLogRecords()).toHaveLength(2));

    const records = exporter.getFinishedLogRecords();
    const [warn, fatal] = records;
    expect(warn?.severityText).toBe('WARN');
    expect(warn?.severityNumber).toBe(13);
    expect(warn?.body).toBe('upstream failed');
    expect(warn?.attributes).toEqual({
      target: 'http',
      component: 'backend',
      status: 503,
      detail: '{"retry":true}',
      request_id: 'req-9',
      span_name: 'test-span',
      x_request_id: 'x-9',
    });
    expect(warn?.spanContext?.traceId).toBe(span.spanContext().traceId);
    expect(warn?.spanContext?.spanId).toBe(span.spanContext().spanId);
    expect(fatal?.severityText).toBe('FATAL');
    expect(fatal?.spanContext).toBeUndefined();
    // The JSONL line and the exported record describe the same event.
    expect(out.records()[0]).toMatchObject({
      trace_id: span.spanContext().traceId,
      message: 'upstream failed',
    });
  });

  it('rejects bad provider options with a catalogued error naming the argument', () => {
    expect(() => createOtlpLoggerProvider({ endpoint: 'not a url' })).toThrow(
      /endpoint must be an absolute URL/,
    );
    expect(() => createOtlpLoggerProvider({ protocol: 'udp' as 'grpc' })).toThrow(
      /protocol must be 'grpc' or 'http\/protobuf'/,
    );
    expect(() => createOtlpLoggerProvider({ timeoutMs: -1 })).toThrow(
      expect.objectContaining({ code: 'ERR_DYNOTEL_LOGGING_INVALID_OPTION' }),
    );
    expect(Object.keys(loggingErrors.errors)).toContain('ERR_DYNOTEL_LOGGING_INVALID_OPTION');
  });

  for (const protocol of ['grpc', 'http/protobuf'] as const) {
    it(`exports records over ${protocol} to a real OTLP receiver with trace ids and attributes`, async () => {
      const receiver: OtlpReceiver = await startOtlpReceiver();
      cleanups.push(() => receiver.close());
      const loggerProvider = createOtlpLoggerProvider({
        endpoint: protocol === 'grpc' ? receiver.grpcEndpoint : `${receiver.httpEndpoint}/v1/logs`,
        protocol,
        headers: { 'x-tenant': 'dynotel' },
        serviceName: 'logging-test',
        resourceAttributes: { 'deployment.environment': 'test' },
        scheduledDelayMs: 50,
      });
      cleanups.push(() => loggerProvider.shutdown());
      const out = capture();
      const logger = createLogger({
        format: 'jsonl',
        destination: out.stream,
        logUncaughtExceptions: false,
        otlp: { loggerProvider },
      });
      const { span } = inSpan(() =>
        runWithRequestContext({ requestId: 'req-otlp' }, () =>
          logger.info({ model: 'qwen', tokens: 12 }, 'request completed'),
        ),
      );
      await loggerProvider.forceFlush();
      const [record] = await receiver.waitForLogRecords(1, 10_000);
      expect(record?.traceId).toBe(span.spanContext().traceId);
      expect(record?.spanId).toBe(span.spanContext().spanId);
      expect(record?.body).toBe('request completed');
      expect(record?.severityText).toBe('INFO');
      expect(record?.attributes).toMatchObject({
        target: 'main',
        model: 'qwen',
        tokens: 12,
        request_id: 'req-otlp',
      });
      expect(record?.resource).toMatchObject({
        'service.name': 'logging-test',
        'deployment.environment': 'test',
      });
      expect(receiver.calls[0]?.headers['x-tenant']).toBe('dynotel');
    });
  }
});
