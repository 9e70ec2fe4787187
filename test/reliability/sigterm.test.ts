/**
 * SIGTERM under load, in a child process running dynotel's own signal handling: the service keeps
 * serving through the drain delay, finishes what is in flight, exits 0, and everything written before
 * it exited is delivered: for every request that got a response, exactly one access line on stdout
 * and exactly one server span at the collector — in particular for every request answered before the
 * signal.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { type Child, parseJsonl, startFixture } from './support/child.ts';
import { type LoadResult, runLoad } from './support/load.ts';
import { recordFigures } from './support/report.ts';
import { sized } from './support/settings.ts';

const BEFORE_SIGNAL = sized(400, 2000);
const CONCURRENCY = 16;

describe.each(['express', 'fastify'])('SIGTERM under load on %s', (framework) => {
  let receiver: OtlpReceiver | undefined;
  let child: Child | undefined;

  afterEach(async () => {
    child?.kill();
    await receiver?.close();
  });

  it('delivers every access line and span of every answered request, then exits 0', async () => {
    receiver = await startOtlpReceiver();
    child = await startFixture('service.ts', {
      FRAMEWORK: framework,
      DYN_LOGGING_JSONL: '1',
      OTEL_EXPORT_ENABLED: '1',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcEndpoint,
      OTEL_SERVICE_NAME: `sigterm-${framework}`,
      // A long schedule delay: most spans are still queued when the signal comes, so shutdown must flush them.
      OTEL_BSP_SCHEDULE_DELAY: '2000',
      DYN_SHUTDOWN_DRAIN_DELAY: '0.5',
      DYN_SYSTEM_PORT: '0',
      DYN_SYSTEM_HOST: '127.0.0.1',
    });
    const port = child.ready;
    let exitedAt: number | undefined;
    void child.exited.then(() => {
      exitedAt = performance.now();
    });
    let signalAt: number | undefined;
    const started = performance.now();
    const results: LoadResult[] = await runLoad({
      // Every fourth request takes 150 ms, so some are always in flight when the signal arrives.
      url: (i) => `http://127.0.0.1:${port}/v1/items/${i}?ms=${i % 4 === 0 ? 150 : 0}`,
      total: 1_000_000,
      concurrency: CONCURRENCY,
      idPrefix: `${framework}-term`,
      timeoutMs: 15_000,
      stop: () => exitedAt !== undefined || (signalAt !== undefined && performance.now() - signalAt > 20_000),
      onResult: (_result, done) => {
        if (done === BEFORE_SIGNAL && signalAt === undefined) {
          signalAt = performance.now();
          child!.process.kill('SIGTERM');
        }
      },
    });
    const exitCode = await child.exited;
    expect(exitCode, child.stderr()).toBe(0);
    expect(signalAt).toBeDefined();

    const lines = parseJsonl(child.stdout());
    const accessById = new Map<string, number>();
    for (const line of lines) {
      if (line.message !== 'http response sent') continue;
      const id = String(line.x_request_id);
      accessById.set(id, (accessById.get(id) ?? 0) + 1);
    }
    const spansById = new Map<string, number>();
    for (const span of receiver.spans()) {
      if (span.kind !== 2) continue;
      const id = String(span.attributes.x_request_id);
      spansById.set(id, (spansById.get(id) ?? 0) + 1);
    }

    const answered = results.filter((r) => r.status === 200);
    const answeredBeforeSignal = answered.filter((r) => r.endedAt <= signalAt!);
    const refused = results.filter((r) => r.status === 0);
    const other = results.filter((r) => r.status !== 200 && r.status !== 0);
    expect(other.map((r) => r.status)).toEqual([]);
    expect(answeredBeforeSignal.length).toBeGreaterThanOrEqual(BEFORE_SIGNAL);
    const missing = answered.filter((r) => accessById.get(r.id) !== 1 || spansById.get(r.id) !== 1);
    expect(
      missing.map((r) => ({ id: r.id, access: accessById.get(r.id), spans: spansById.get(r.id) })),
    ).toEqual([]);
    // Requests that never got an answer (refused after the listener closed) never reached a handler.
    const answeredIds = new Set(answered.map((r) => r.id));
    const unansweredButLogged = [...accessById.keys()].filter((id) => !answeredIds.has(id));
    expect(unansweredButLogged).toEqual([]);
    // The coordinator logged its sequence, and the last line is its own.
    expect(lines.at(-1)?.message).toBe('shutdown complete');

    recordFigures(`sigterm-${framework}`, {
      answeredBeforeSignal: answeredBeforeSignal.length,
      answeredAfterSignal: answered.length - answeredBeforeSignal.length,
      refusedAfterClose: refused.length,
      accessLines: accessById.size,
      serverSpans: spansById.size,
      lost: missing.length,
      exitCode,
      signalToExitMs: Math.round((exitedAt ?? performance.now()) - signalAt!),
      loadSeconds: Number(((performance.now() - started) / 1000).toFixed(1)),
    });
  });
});
