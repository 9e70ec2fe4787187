import { selfMetrics } from '@dynotel/core';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { type OtlpReceiver, startOtlpReceiver } from '../../../test/support/otlp-receiver.ts';
import { createTracing, type Tracing } from '../src/index.ts';

// Found by the reliability suite (test/reliability/otlp-faults.test.ts): when the batch processor's
// export timeout ran out before the exporter answered, the batch was counted as dropped
// (`export_timeout`), and the exporter's late success then counted the same spans as exported too.
// Each span must be counted exactly once: exported + dropped = spans ended.

let receiver: OtlpReceiver | undefined;
let tracing: Tracing | undefined;

const exported = (): number => selfMetrics.counter('dynotel_spans_exported_total', '').get();
const droppedTotal = (): number =>
  selfMetrics
    .collect()
    .find((family) => family.name === 'dynotel_spans_dropped_total')
    ?.samples.reduce((sum, sample) => sum + sample.value, 0) ?? 0;

beforeEach(() => {
  selfMetrics.reset();
});

afterEach(async () => {
  await tracing?.shutdown(500);
  tracing = undefined;
  await receiver?.close();
  receiver = undefined;
});

test.each(['grpc', 'http/protobuf'] as const)(
  '%s: a batch the processor gave up on is not counted as exported when the collector answers late',
  async (protocol) => {
    receiver = await startOtlpReceiver();
    receiver.setDefaultFault({ delayMs: 400 });
    tracing = createTracing({
      exportEnabled: true,
      protocol,
      endpoint: protocol === 'grpc' ? receiver.grpcEndpoint : `${receiver.httpEndpoint}/v1/traces`,
      timeoutMs: 3000,
      batch: { scheduleDelayMs: 10, exportTimeoutMs: 150 },
      errorLogIntervalMs: 60_000,
    });
    for (let i = 0; i < 5; i++) tracing.tracer.startSpan(`late-${i}`).end();
    await tracing.forceFlush(1000);
    // The collector receives the batch and answers OK 400 ms later, after the processor gave up on it.
    await receiver.waitForSpans(5, 3000);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(selfMetrics.counter('dynotel_spans_dropped_total', '').get({ reason: 'export_timeout' })).toBe(5);
    expect(exported()).toBe(0);
    expect(exported() + droppedTotal()).toBe(5);
  },
);
