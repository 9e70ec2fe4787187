/**
 * Both OTLP signals come back together after a collector outage. grpc-js's default reconnect backoff
 * grows from 1 s to 120 s, and the upstream log exporter offered no way to bound it: after the collector
 * returned, log records resumed 3–21 s later while spans (whose channel caps the backoff at the export
 * retry backoff, 5 s) resumed within a few seconds. The log exporter's channel now has the same cap.
 *
 * The real receiver goes away for 8 s while a span and a log record are produced every 100 ms, then
 * returns. Asserted: records of both signals produced after the return arrive within the backoff cap
 * plus margin (bounded, not a measure of the fast path). The measured delays are printed.
 *
 * A bound, not a reproduction: against this receiver (its port refuses connections while down) the
 * upstream exporter also resumed within ~2 s in a trial run with a 17 s outage, so the slow recovery
 * seen in the field needs conditions this harness does not create; the test keeps both signals' recovery
 * bounded whatever the exporter does.
 */
import { readConfig } from '@dynotel/core';
import { createOtlpLoggerProvider } from '@dynotel/logging';
import { createTracing } from '@dynotel/tracing';
import { afterEach, expect, it } from 'vitest';
import { type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver.ts';

const DOWN_MS = 8000;
/** The reconnect backoff cap (5 s, ±20 % grpc-js jitter) plus the 100 ms batch delay and slack. */
const RESUME_BOUND_MS = 7500;

let receiver: OtlpReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
});

function waitUntil(check: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const poll = setInterval(() => {
      if (check()) {
        clearInterval(poll);
        resolve(Date.now() - started);
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(poll);
        reject(new Error(`not within ${timeoutMs} ms`));
      }
    }, 20);
  });
}

it('log records resume as fast as spans after the collector was down and came back (grpc)', async () => {
  receiver = await startOtlpReceiver();
  const { config } = readConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcEndpoint });
  const tracing = createTracing({
    exportEnabled: true,
    endpoint: config.tracing.traces.endpoint,
    protocol: 'grpc',
    registerGlobal: false,
    retry: { maxAttempts: 1 },
    batch: { scheduleDelayMs: 100 },
  });
  const logs = createOtlpLoggerProvider({
    endpoint: config.tracing.logs.endpoint,
    protocol: 'grpc',
    scheduledDelayMs: 100,
    timeoutMs: 1000,
    shutdownTimeoutMs: 2000,
  });
  const logger = logs.getLogger('reconnect');
  let phase = 'before';
  let sequence = 0;
  const producer = setInterval(() => {
    sequence += 1;
    tracing.tracer.startSpan(`${phase} ${sequence}`).end();
    logger.emit({ body: `${phase} ${sequence}` });
  }, 100);
  try {
    const r = receiver;
    await waitUntil(() => r.spans().length > 0 && r.logRecords().length > 0, 5000);
    await r.goDown();
    phase = 'down';
    await new Promise((resolve) => setTimeout(resolve, DOWN_MS));
    await r.goUp();
    phase = 'after';
    const isAfter = (text: unknown) => typeof text === 'string' && text.startsWith('after ');
    const [spanMs, logMs] = await Promise.all([
      waitUntil(() => r.spans().some((span) => isAfter(span.name)), RESUME_BOUND_MS),
      waitUntil(() => r.logRecords().some((record) => isAfter(record.body)), RESUME_BOUND_MS),
    ]);
    console.log(`after an ${DOWN_MS} ms outage: spans resumed in ${spanMs} ms, log records in ${logMs} ms`);
    expect(logMs).toBeLessThanOrEqual(RESUME_BOUND_MS);
  } finally {
    clearInterval(producer);
    await tracing.shutdown(2000);
    await logs.shutdown();
  }
}, 30_000);
