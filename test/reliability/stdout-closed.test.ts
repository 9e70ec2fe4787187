/**
 * stdout closed under the service (child process, dynotel from the environment, logs on stdout): the
 * reader of stdout goes away mid-run. The service keeps serving every request, readiness stays 200, and
 * every log line written after the close is counted in dynotel_log_lines_dropped_total{reason="closed"}
 * (read from the service's own /metrics): two lines per request (handler and access line), plus at most
 * a few of dynotel's own warnings about the closed stream. Memory stays bounded: a line for a closed
 * stream is counted and dropped at once, never kept (heapUsed after a full GC, before and after).
 */
import { afterEach, expect, it } from 'vitest';
import { type Child, startFixture } from './support/child.ts';
import { runLoad } from './support/load.ts';
import { recordFigures } from './support/report.ts';
import { scrapedCounter } from './support/self-metrics.ts';
import { sized } from './support/settings.ts';

const AFTER_CLOSE = sized(300, 2000);
const MiB = 1024 * 1024;
let child: Child | undefined;

afterEach(() => {
  child?.kill();
});

it(`keeps serving with stdout closed and counts every line it could not write (${AFTER_CLOSE} requests)`, async () => {
  child = await startFixture(
    'service.ts',
    {
      FRAMEWORK: 'express',
      DYN_LOGGING_JSONL: '1',
      DYN_SHUTDOWN_DRAIN_DELAY: '0',
    },
    { nodeFlags: ['--expose-gc'] },
  );
  const base = `http://127.0.0.1:${child.ready}`;
  const heapUsed = async () =>
    ((await (await fetch(`${base}/debug/heap`)).json()) as { heapUsed: number }).heapUsed;
  const before = await runLoad({
    url: (i) => `${base}/v1/items/${i}`,
    total: 100,
    concurrency: 8,
    idPrefix: 'before',
  });
  expect(before.every((r) => r.status === 200)).toBe(true);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const linesBefore = child.stdoutLines();
  child.process.stdout?.destroy();
  await new Promise((resolve) => setTimeout(resolve, 200));

  const scrape = async () => (await fetch(`${base}/metrics`)).text();
  const heapAtClose = await heapUsed();
  const droppedAtClose = scrapedCounter(await scrape(), 'dynotel_log_lines_dropped_total', 'reason="closed"');
  const after = await runLoad({
    url: (i) => `${base}/v1/items/${i}`,
    total: AFTER_CLOSE,
    concurrency: 8,
    idPrefix: 'after',
  });
  expect(after.filter((r) => r.status !== 200)).toEqual([]);
  expect((await fetch(`${base}/health`)).status).toBe(200);
  const body = await scrape();
  const dropped = scrapedCounter(body, 'dynotel_log_lines_dropped_total', 'reason="closed"');
  const droppedAfter = dropped - droppedAtClose;
  expect(droppedAfter).toBeGreaterThanOrEqual(2 * AFTER_CLOSE);
  expect(droppedAfter).toBeLessThanOrEqual(2 * AFTER_CLOSE + 5);
  expect(scrapedCounter(body, 'dynotel_log_lines_dropped_total', 'reason="write_error"')).toBe(0);
  const heapAfter = await heapUsed();
  expect(heapAfter - heapAtClose).toBeLessThan(8 * MiB);

  child.process.kill('SIGTERM');
  expect(await child.exited).toBe(0);
  recordFigures('stdout-closed', {
    linesBeforeClose: linesBefore,
    requestsAfterClose: AFTER_CLOSE,
    droppedClosedAtCloseProbe: droppedAtClose,
    droppedClosedAfter: droppedAfter,
    failedRequests: 0,
    heapAfterGcMiB: { atClose: +(heapAtClose / MiB).toFixed(1), after: +(heapAfter / MiB).toFixed(1) },
  });
});
