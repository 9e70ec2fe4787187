/**
 * Prometheus scraping 50 times at once, in waves, while the application serves load, with a metrics
 * callback that throws on every scrape and one that never settles. dynotel serves at most 4 scrapes at
 * once (the bound Prometheus' client guidelines advise); the others are refused at once with 503 and
 * Retry-After. So every scrape is either 200 within the callback timeout plus a margin, with a body the
 * strict exposition parser accepts, or a fast 503; the application's requests are all answered with p99
 * under a fixed ceiling; readiness stays 200; and dynotel_metrics_callback_failures_total{kind="update"}
 * counts exactly two failures per served scrape (the throw and the timeout).
 */
import { selfMetrics } from '@dynotel/core';
import { init, type Telemetry } from 'dynotel';
import { resetTelemetryForTests } from 'dynotel/testing';
import { afterEach, expect, it } from 'vitest';
import { parseExposition } from '../../packages/metrics/src/foreign/parser.ts';
import { startApp, type TestApp } from '../dynotel/apps.ts';
import { LogCapture } from '../dynotel/log-capture.ts';
import { quantile, runLoad } from './support/load.ts';
import { recordFigures } from './support/report.ts';
import { sized } from './support/settings.ts';

const WAVES = sized(2, 4);
const SCRAPES_PER_WAVE = 50;
/** The metrics root's default callback timeout (DEFAULT_CALLBACK_TIMEOUT_MS). */
const CALLBACK_TIMEOUT_MS = 5000;
const P99_CEILING_MS = 2000;

let telemetry: Telemetry | undefined;
let app: TestApp | undefined;

afterEach(async () => {
  await app?.close();
  await telemetry?.shutdown('test finished');
  resetTelemetryForTests();
});

it(`${WAVES} waves of ${SCRAPES_PER_WAVE} concurrent scrapes under load, with a throwing and a hanging callback`, async () => {
  selfMetrics.reset();
  telemetry = init({
    env: { DYN_LOGGING_JSONL: '1', DYN_SHUTDOWN_DRAIN_DELAY: '0' },
    handleSignals: false,
    logDestination: new LogCapture(),
  });
  telemetry.metrics.onScrape(() => {
    throw new Error('callback boom');
  });
  telemetry.metrics.onScrape(() => new Promise<void>(() => {}));
  app = await startApp('express', telemetry, 'http://127.0.0.1:9');
  const base = app.url;

  let loadDone = false;
  const load = runLoad({
    url: (i) => `${base}/v1/items/${i}`,
    total: 1_000_000,
    concurrency: 16,
    idPrefix: 'storm',
    stop: () => loadDone,
  });
  const scrapes: Array<{ status: number; ms: number; ok: boolean }> = [];
  const readiness: number[] = [];
  for (let wave = 0; wave < WAVES; wave++) {
    const started = performance.now();
    const wave_ = await Promise.all(
      Array.from({ length: SCRAPES_PER_WAVE }, async (_, i) => {
        const accept = i % 2 === 0 ? 'application/openmetrics-text' : 'text/plain';
        const response = await fetch(`${base}/metrics`, { headers: { accept } });
        const body = await response.text();
        return {
          status: response.status,
          ms: performance.now() - started,
          ok:
            response.status === 200 ? parseExposition(body).ok : response.headers.get('retry-after') === '1',
        };
      }),
    );
    scrapes.push(...wave_);
    readiness.push((await fetch(`${base}/health`)).status);
  }
  loadDone = true;
  const results = await load;

  expect(scrapes.filter((s) => (s.status !== 200 && s.status !== 503) || !s.ok)).toEqual([]);
  const served = scrapes.filter((s) => s.status === 200);
  const refused = scrapes.filter((s) => s.status === 503);
  expect(served.length).toBe(4 * WAVES);
  expect(Math.max(...refused.map((s) => s.ms))).toBeLessThan(2000);
  const slowest = Math.max(...scrapes.map((s) => s.ms));
  expect(slowest).toBeLessThan(CALLBACK_TIMEOUT_MS + 3000);
  expect(results.filter((r) => r.status !== 200)).toEqual([]);
  const p99 = quantile(
    results.map((r) => r.latencyMs),
    0.99,
  );
  expect(p99).toBeLessThan(P99_CEILING_MS);
  expect(readiness.every((status) => status === 200)).toBe(true);
  const failures = selfMetrics.counter('dynotel_metrics_callback_failures_total', '').get({ kind: 'update' });
  expect(failures).toBe(2 * served.length);

  recordFigures('scrape-storm', {
    scrapes: scrapes.length,
    served: served.length,
    refused503: refused.length,
    slowestRefusalMs: Math.round(Math.max(...refused.map((s) => s.ms))),
    concurrentPerWave: SCRAPES_PER_WAVE,
    slowestScrapeMs: Math.round(slowest),
    appRequests: results.length,
    appP99Ms: Number(p99.toFixed(1)),
    callbackFailuresCounted: failures,
  });
});
