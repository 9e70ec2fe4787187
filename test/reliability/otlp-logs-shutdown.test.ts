/**
 * OTLP log export with a black-holed collector (accepts the connection, never answers), then SIGTERM,
 * in a child process running dynotel's own signal handling. sdk-logs' LoggerProvider.shutdown() takes
 * no timeout, so the 'otlp logs' shutdown hook used to outlive its budget and the process exited 1.
 * Now:
 * - every request is answered while the collector swallows the exports, and readiness stays 200;
 * - SIGTERM ends in exit 0, within DYN_SHUTDOWN_TIMEOUT, with no hook reported as timed out;
 * - exact accounting: every line the service wrote to stdout was also handed to the OTLP log pipeline,
 *   and each of those records ends exactly once in dynotel_log_records_exported_total (0 here: nothing
 *   was acknowledged) or dynotel_log_records_dropped_total{reason}, read from the counters the child
 *   prints on exit.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { type Child, parseJsonl, startFixture } from './support/child.ts';
import { quantile, runLoad } from './support/load.ts';
import { recordFigures } from './support/report.ts';
import { sized } from './support/settings.ts';

const REQUESTS = sized(400, 3000);
const SHUTDOWN_TIMEOUT_S = 5;
const P99_CEILING_MS = 2000;

interface Sample {
  readonly labels: Record<string, string>;
  readonly value: number;
}

function exitCounters(stderr: string): Record<string, Sample[]> {
  const line = stderr.split('\n').find((l) => l.startsWith('SELF_METRICS '));
  if (line === undefined) throw new Error(`no SELF_METRICS line on stderr:\n${stderr.slice(-2000)}`);
  return JSON.parse(line.slice('SELF_METRICS '.length)) as Record<string, Sample[]>;
}

describe.each([
  ['grpc', 'black-holed', 'grpcEndpoint'],
  ['http/protobuf', 'black-holed', 'httpEndpoint'],
  // The baseline: the same accounting holds when the collector answers, and exported is exact.
  ['grpc', 'up', 'grpcEndpoint'],
] as const)('OTLP logs over %s to a %s collector', (protocol, collector, endpointKey) => {
  let receiver: OtlpReceiver | undefined;
  let child: Child | undefined;

  afterEach(async () => {
    child?.kill();
    await receiver?.close();
  });

  it(`serves ${REQUESTS} requests, exits 0 within the shutdown budget; every record exported or counted as dropped`, async () => {
    receiver = await startOtlpReceiver();
    if (collector === 'black-holed') receiver.setDefaultFault({ hang: true });
    child = await startFixture('service-exit-report.ts', {
      FRAMEWORK: 'express',
      DYN_LOGGING_JSONL: '1',
      OTEL_EXPORT_ENABLED: '1',
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver[endpointKey],
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
      OTEL_SERVICE_NAME: 'otlp-logs-shutdown',
      DYN_SHUTDOWN_DRAIN_DELAY: '0',
      DYN_SHUTDOWN_TIMEOUT: String(SHUTDOWN_TIMEOUT_S),
    });
    const running = child;
    // 'exit' can come before the pipes are drained; 'close' comes after both stdout and stderr ended.
    const closed = new Promise((resolve) => running.process.once('close', resolve));
    const base = `http://127.0.0.1:${child.ready}`;
    const results = await runLoad({
      url: (i) => `${base}/v1/items/${i}`,
      total: REQUESTS,
      concurrency: 16,
      idPrefix: 'blackhole',
    });
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    // Black-holed: the exporter really is stuck on the collector, with calls that never got an answer.
    const hanging = receiver.calls.filter((c) => c.signal === 'logs' && c.outcome === 'HANG').length;
    expect(hanging > 0).toBe(collector === 'black-holed');

    const signalAt = performance.now();
    child.process.kill('SIGTERM');
    const exitCode = await child.exited;
    const shutdownMs = performance.now() - signalAt;
    await closed;
    const stderr = child.stderr();
    expect(exitCode, stderr.slice(-3000)).toBe(0);
    expect(shutdownMs).toBeLessThan(SHUTDOWN_TIMEOUT_S * 1000);

    const lines = parseJsonl(child.stdout());
    expect(lines.some((l) => /shutdown hook .* timed out/.test(String(l.message)))).toBe(false);
    expect(lines.at(-1)?.message).toBe('shutdown complete');
    const counters = exitCounters(stderr);
    const exported = (counters.dynotel_log_records_exported_total ?? []).reduce((a, s) => a + s.value, 0);
    const dropped: Record<string, number> = {};
    for (const sample of counters.dynotel_log_records_dropped_total ?? [])
      if (sample.value > 0) dropped[sample.labels.reason ?? '?'] = sample.value;
    const droppedTotal = Object.values(dropped).reduce((a, b) => a + b, 0);
    // Exported means acknowledged: exactly what the collector holds (nothing when it never answers).
    expect(exported).toBe(receiver.logRecords().length);
    if (collector === 'black-holed') expect(exported).toBe(0);
    else expect(exported).toBeGreaterThan(0);
    expect(exported + droppedTotal).toBe(lines.length);
    expect(dropped.shutdown ?? 0).toBeGreaterThan(0);
    if (collector === 'up') expect(Object.keys(dropped)).toEqual(['shutdown']);
    // stdout itself lost nothing (the test read it all along).
    const stdoutDropped = (counters.dynotel_log_lines_dropped_total ?? []).reduce((a, s) => a + s.value, 0);
    expect(stdoutDropped).toBe(0);

    recordFigures(`otlp-logs-shutdown-${protocol.replace('/', '-')}-${collector}`, {
      requests: REQUESTS,
      p99Ms:
        Math.round(
          quantile(
            results.map((r) => r.latencyMs),
            0.99,
          ) * 10,
        ) / 10,
      linesWritten: lines.length,
      exported,
      dropped,
      logCalls: receiver.calls.filter((c) => c.signal === 'logs').length,
      hangingCalls: hanging,
      exitCode,
      sigtermToExitMs: Math.round(shutdownMs),
    });
    expect(
      quantile(
        results.map((r) => r.latencyMs),
        0.99,
      ),
    ).toBeLessThan(P99_CEILING_MS);
  });
});
