import { afterEach, describe, expect, it } from 'vitest';
import { init, type Telemetry } from '../src/index.ts';
import { resetTelemetryForTests } from '../src/testing.ts';
import { Lines } from './support/lines.ts';

// Core's resolved config is the one place a default or a derived value is computed: init() hands the
// signal packages those values unchanged, and nothing downstream recomputes them.
let telemetry: Telemetry | undefined;

afterEach(async () => {
  await telemetry?.shutdown('test');
  telemetry = undefined;
  resetTelemetryForTests();
});

const env = {
  DYN_LOGGING_JSONL: '1',
  DYN_SHUTDOWN_DRAIN_DELAY: '1',
  DYN_SHUTDOWN_TIMEOUT: '7',
  DYN_SHUTDOWN_GRACE_PERIOD: '9',
  OTEL_TRACES_SAMPLER: 'traceidratio',
  OTEL_TRACES_SAMPLER_ARG: '0.25',
  OTEL_BSP_MAX_QUEUE_SIZE: '100',
  OTEL_BSP_SCHEDULE_DELAY: '1234',
  OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '4321',
  OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-resource',
};

describe('init() passes core config through', () => {
  it('the shutdown coordinator gets core’s derived budget unchanged (seen in its budget warning)', async () => {
    const lines = new Lines();
    telemetry = init({ env, handleSignals: false, logDestination: lines });
    const { shutdown } = telemetry.config;
    expect(shutdown).toMatchObject({
      drainDelayMs: 1000,
      timeoutMs: 7000,
      gracePeriodMs: 9000,
      inFlightTimeoutMs: 4200,
      hookTimeoutMs: 700,
      flushBudgetMs: 630,
    });
    // An application hook longer than the grace period makes the coordinator log its budget.
    telemetry.onShutdown('slow', () => {}, { timeoutMs: 9000 });
    await new Promise((resolve) => setImmediate(resolve));
    const warning = lines
      .json()
      .find((line) =>
        String(line.message).startsWith('shutdown budget exceeds the termination grace period'),
      );
    expect(warning).toBeDefined();
    const fields = JSON.stringify(warning);
    for (const [key, value] of Object.entries({
      drainDelayMs: shutdown.drainDelayMs,
      inFlightTimeoutMs: shutdown.inFlightTimeoutMs,
      hookTimeoutMs: shutdown.hookTimeoutMs,
      gracePeriodMs: shutdown.gracePeriodMs,
    })) {
      expect(fields).toMatch(new RegExp(`"${key}":${value}[,}]`));
    }
  });

  it('tracing gets core’s sampler, batch, exporter and service name unchanged', () => {
    telemetry = init({ env, handleSignals: false, logDestination: new Lines() });
    const { tracing, identity } = telemetry.config;
    const resolved = telemetry.tracing.options;
    expect(resolved.sampler).toBe(tracing.sampler);
    expect(resolved.samplerArg).toBe(tracing.samplerRatio);
    expect(resolved.batch).toEqual(tracing.batch);
    expect(resolved.batch).toEqual({
      scheduleDelayMs: 1234,
      exportTimeoutMs: 30_000,
      maxQueueSize: 100,
      maxExportBatchSize: 100,
    });
    expect(resolved.timeoutMs).toBe(tracing.traces.timeoutMs);
    expect(resolved.timeoutMs).toBe(4321);
    expect(resolved.protocol).toBe(tracing.traces.protocol);
    expect(resolved.compression).toBe(tracing.traces.compression);
    expect(resolved.url.href).toBe(new URL(tracing.traces.endpoint).href);
    expect(resolved.serviceName).toBe(identity.serviceName);
    expect(resolved.serviceName).toBe('from-resource');
  });

  it('a served endpoint lives where core’s identity.served says, by default and after an override', async () => {
    telemetry = init({
      env: { ...env, DYN_ENDPOINT: 'dyn://prod.worker.chat' },
      handleSignals: false,
      logDestination: new Lines(),
      namespace: 'code_ns',
    });
    const { served } = telemetry.config.identity;
    expect(served).toEqual({ namespace: 'code_ns', component: 'worker', endpoint: 'chat' });
    const endpoint = telemetry.endpoint();
    expect(endpoint.name).toBe('chat');
    await endpoint.handle(10, () => 'ok');
    const { body: text } = await telemetry.metrics.scrape();
    expect(text).toMatch(
      /dynamo_component_requests_total\{[^}]*dynamo_component="worker"[^}]*dynamo_endpoint="chat"[^}]*dynamo_namespace="code_ns"/,
    );
  });
});
