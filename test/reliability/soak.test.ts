/**
 * Soak: the service (child process, --expose-gc) with every signal on — JSONL logs on stdout, spans
 * exported to the real OTLP receiver, /metrics scraped every second — first driven flat out for a few
 * seconds to measure its maximum throughput, then held at half of it for the soak duration
 * (RELIABILITY_SOAK_SECONDS; 20 s in the short run, 180 s in the full one). Asserts: no failed request,
 * no upward heap trend (heapUsed after a full GC, sampled every 2 s: the last third's median within
 * 16 MiB of the first third's), a stable p99 (last third within 3× the first third + 50 ms), and every
 * span exported.
 */
import { afterEach, expect, it } from 'vitest';
import { type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { type Child, startFixture } from './support/child.ts';
import { quantile, runLoad } from './support/load.ts';
import { recordFigures } from './support/report.ts';
import { sized } from './support/settings.ts';

const SOAK_SECONDS = Number(process.env.RELIABILITY_SOAK_SECONDS ?? sized(20, 180));
const CONCURRENCY = 16;

let receiver: OtlpReceiver | undefined;
let child: Child | undefined;

afterEach(async () => {
  child?.kill();
  await receiver?.close();
});

it(`holds half its maximum throughput for ${SOAK_SECONDS} s with every signal on`, {
  timeout: (SOAK_SECONDS + 120) * 1000,
}, async () => {
  receiver = await startOtlpReceiver();
  child = await startFixture(
    'service.ts',
    {
      FRAMEWORK: 'express',
      DYN_LOGGING_JSONL: '1',
      OTEL_EXPORT_ENABLED: '1',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcEndpoint,
      OTEL_SERVICE_NAME: 'soak',
      OTEL_BSP_SCHEDULE_DELAY: '200',
      DYN_SHUTDOWN_DRAIN_DELAY: '0',
    },
    { nodeFlags: ['--expose-gc'], discardStdout: true },
  );
  const base = `http://127.0.0.1:${child.ready}`;

  // 1. Maximum throughput, flat out.
  const probeStart = performance.now();
  const probe = await runLoad({
    url: (i) => `${base}/v1/items/${i}`,
    total: sized(2000, 5000),
    concurrency: CONCURRENCY,
    idPrefix: 'max',
  });
  const maxRps = probe.length / ((performance.now() - probeStart) / 1000);
  expect(probe.filter((r) => r.status !== 200)).toEqual([]);
  const targetRps = Math.max(10, Math.floor(maxRps / 2));

  // 2. Half of it, paced, for the soak duration; heap and scrapes sampled alongside.
  const heap: Array<{ t: number; heapUsed: number }> = [];
  let scrapes = 0;
  let scrapeFailures = 0;
  const started = performance.now();
  const endAt = started + SOAK_SECONDS * 1000;
  const sampler = setInterval(() => {
    void fetch(`${base}/debug/heap`)
      .then((r) => r.json() as Promise<{ heapUsed: number }>)
      .then((body) => heap.push({ t: performance.now() - started, heapUsed: body.heapUsed }))
      .catch(() => {});
  }, 2000);
  const scraper = setInterval(() => {
    void fetch(`${base}/metrics`)
      .then(async (r) => {
        await r.text();
        if (r.status === 200) scrapes++;
        else scrapeFailures++;
      })
      .catch(() => scrapeFailures++);
  }, 1000);
  const total = Math.ceil(targetRps * SOAK_SECONDS);
  let results: Awaited<ReturnType<typeof runLoad>>;
  try {
    results = await runLoad({
      url: (i) => `${base}/v1/items/${i}`,
      total,
      concurrency: CONCURRENCY * 2,
      idPrefix: 'soak',
      pace: { startedAt: started, perSecond: targetRps },
      stop: () => performance.now() > endAt + 5000,
    });
  } finally {
    clearInterval(sampler);
    clearInterval(scraper);
  }
  const seconds = (performance.now() - started) / 1000;

  expect(results.filter((r) => r.status !== 200).length).toBe(0);
  expect(scrapeFailures).toBe(0);

  const thirds = (values: readonly number[]) => {
    const n = Math.floor(values.length / 3);
    return [values.slice(0, n), values.slice(values.length - n)] as const;
  };
  const median = (values: readonly number[]) => quantile(values, 0.5);
  const [firstHeap, lastHeap] = thirds(heap.map((h) => h.heapUsed));
  expect(firstHeap.length).toBeGreaterThan(0);
  const heapGrowthMiB = (median(lastHeap) - median(firstHeap)) / 2 ** 20;
  expect(heapGrowthMiB).toBeLessThan(16);

  const ordered = [...results].sort((a, b) => a.startedAt - b.startedAt);
  const [firstLat, lastLat] = thirds(ordered.map((r) => r.latencyMs));
  const p99First = quantile(firstLat, 0.99);
  const p99Last = quantile(lastLat, 0.99);
  expect(p99Last).toBeLessThan(p99First * 3 + 50);

  child.process.kill('SIGTERM');
  expect(await child.exited).toBe(0);
  const spans = receiver.spans().filter((s) => s.kind === 2).length;
  const served = probe.length + results.length + heap.length;
  // Every server span of the probe and the soak (and of the heap probes) was exported.
  expect(spans).toBe(served);
  expect(child.stdoutLines()).toBeGreaterThanOrEqual(served);

  recordFigures('soak', {
    seconds: Number(seconds.toFixed(1)),
    maxRps: Math.round(maxRps),
    targetRps,
    achievedRps: Math.round(results.length / seconds),
    requests: results.length,
    failed: 0,
    scrapes,
    heapSamples: heap.length,
    heapFirstThirdMiB: Number((median(firstHeap) / 2 ** 20).toFixed(1)),
    heapLastThirdMiB: Number((median(lastHeap) / 2 ** 20).toFixed(1)),
    p99FirstThirdMs: Number(p99First.toFixed(1)),
    p99LastThirdMs: Number(p99Last.toFixed(1)),
    serverSpans: spans,
    logLines: child.stdoutLines(),
  });
});
