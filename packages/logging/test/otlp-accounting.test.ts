/**
 * The OTLP log pipeline's accounting against the real receiver with scripted faults: every record
 * handed over ends exactly once in dynotel_log_records_exported_total or
 * dynotel_log_records_dropped_total{reason}, and shutdown() settles within its budget even when the
 * collector never answers.
 */
import { selfMetrics } from '@dynotel/core';
import { afterEach, expect, it } from 'vitest';
import { type OtlpReceiver, startOtlpReceiver } from '../../../test/support/otlp-receiver.ts';
import { createLogger, createOtlpLoggerProvider } from '../src/index.ts';
import { capture } from './support/capture.ts';

const exported = selfMetrics.counter('dynotel_log_records_exported_total', '');
const dropped = selfMetrics.counter('dynotel_log_records_dropped_total', '');
const REASONS = ['queue_full', 'export_failed', 'export_timeout', 'shutdown'] as const;

function snapshot(): Record<string, number> {
  const out: Record<string, number> = { exported: exported.get() };
  for (const reason of REASONS) out[reason] = dropped.get({ reason });
  return out;
}
function delta(before: Record<string, number>): Record<string, number> {
  const now = snapshot();
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(now))
    if (value !== before[key]) out[key] = value - (before[key] ?? 0);
  return out;
}

let receiver: OtlpReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

function pipeline(options: Partial<Parameters<typeof createOtlpLoggerProvider>[0]> & { endpoint: string }) {
  const loggerProvider = createOtlpLoggerProvider({ scheduledDelayMs: 20, ...options });
  const logger = createLogger({
    format: 'jsonl',
    destination: capture().stream,
    logUncaughtExceptions: false,
    otlp: { loggerProvider },
  });
  return { loggerProvider, logger };
}

it('counts acknowledged records as exported, exactly what the collector holds', async () => {
  receiver = await startOtlpReceiver();
  const before = snapshot();
  const { loggerProvider, logger } = pipeline({ endpoint: receiver.grpcEndpoint, maxExportBatchSize: 16 });
  for (let i = 0; i < 50; i++) logger.info({ i }, 'record');
  await loggerProvider.forceFlush();
  expect(delta(before)).toEqual({ exported: 50 });
  expect(receiver.logRecords()).toHaveLength(50);
  await loggerProvider.shutdown();
  logger.info('after shutdown');
  expect(delta(before)).toEqual({ exported: 50, shutdown: 1 });
});

it('counts every record of a failed export (collector down) as export_failed', async () => {
  receiver = await startOtlpReceiver({ down: true });
  const before = snapshot();
  const { loggerProvider, logger } = pipeline({ endpoint: receiver.grpcEndpoint, timeoutMs: 300 });
  for (let i = 0; i < 10; i++) logger.info({ i }, 'record');
  await loggerProvider.forceFlush();
  expect(delta(before)).toEqual({ export_failed: 10 });
  await loggerProvider.shutdown();
});

it('never counts a late answer as exported: the batch was already counted as dropped', async () => {
  receiver = await startOtlpReceiver();
  receiver.script({ delayMs: 1200 });
  const before = snapshot();
  const { loggerProvider, logger } = pipeline({ endpoint: receiver.grpcEndpoint, timeoutMs: 300 });
  for (let i = 0; i < 7; i++) logger.info({ i }, 'record');
  await loggerProvider.forceFlush();
  expect(delta(before)).toEqual({ export_failed: 7 });
  await new Promise((resolve) => setTimeout(resolve, 1300));
  expect(delta(before)).toEqual({ export_failed: 7 });
  await loggerProvider.shutdown();
});

it('bounds the queue (queue_full) and settles shutdown within its budget with a black-holed collector', async () => {
  receiver = await startOtlpReceiver();
  receiver.setDefaultFault({ hang: true });
  const before = snapshot();
  const { loggerProvider, logger } = pipeline({
    endpoint: receiver.grpcEndpoint,
    maxQueueSize: 8,
    maxExportBatchSize: 8,
    shutdownTimeoutMs: 400,
  });
  // 8 fill a batch, which goes out at once and hangs; 8 more fill the queue; the last 4 do not fit.
  for (let i = 0; i < 20; i++) logger.info({ i }, 'record');
  expect(delta(before)).toEqual({ queue_full: 4 });
  await receiver.waitForCalls(1, 5000);
  const started = performance.now();
  await loggerProvider.shutdown();
  const took = performance.now() - started;
  expect(took).toBeLessThan(400 + 150);
  // The batch in flight and the queued records, each counted once, as undelivered at shutdown.
  expect(delta(before)).toEqual({ queue_full: 4, shutdown: 16 });
});

it('rejects a shutdown budget that is not a positive integer', () => {
  expect(() => createOtlpLoggerProvider({ shutdownTimeoutMs: 0 })).toThrow(
    /shutdownTimeoutMs must be a positive integer, got 0/,
  );
});
