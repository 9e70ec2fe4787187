/**
 * A real node:cluster service (a primary with four workers sharing one app port, started with
 * `--import dynotel/register`) and a real process with worker threads: one /metrics, /health, /live from
 * the primary; counters summed, never going backwards across a killed or restarted worker; a hung or
 * killed worker never stalls a scrape; SIGTERM drains every worker. Every wait is bounded.
 */

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { requireBinaryInCi } from '../support/binaries.ts';
import { type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { promtoolCheckMetrics } from '../support/promtool.ts';
import { get, labelValues, load, type ScaledApp, startScaledApp, sumSamples } from './scaled-app.ts';

const REQUESTS = 'http_server_request_duration_seconds_count';
const promtool = requireBinaryInCi('promtool');
let running: ScaledApp | undefined;
let receiver: OtlpReceiver | undefined;

afterEach(async () => {
  await running?.stop(5_000);
  running = undefined;
  await receiver?.close();
  receiver = undefined;
});

async function startCluster(env: Record<string, string> = {}) {
  const app = startScaledApp('cluster-app.mjs', { WORKERS: '4', ...env });
  running = app;
  const { appPort } = await app.waitFor((line) => 'appPort' in line, 'the app port');
  const system = await app.waitFor(
    (line) => line.message === 'system status server listening',
    'the system server',
  );
  return { app, appUrl: `http://127.0.0.1:${String(appPort)}`, systemUrl: String(system.url) };
}

/** The scrape of the primary; `/health` flips to ready once its workers said hello and listen. */
async function scrape(systemUrl: string): Promise<string> {
  const reply = await get(`${systemUrl}/metrics`, { timeoutMs: 10_000 });
  expect(reply.status).toBe(200);
  return reply.body;
}

async function waitForWorkers(systemUrl: string, count: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const text = await scrape(systemUrl);
    if (labelValues(text, 'dynamo_component_uptime_seconds', 'cluster_worker').size >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${String(count)} workers never showed in the primary's scrape`);
}

describe('node:cluster: one /metrics and /health from the primary', () => {
  it('sums the requests of four workers, keeps gauges per worker, and drains every worker on SIGTERM', async () => {
    const collector = await startOtlpReceiver();
    receiver = collector;
    // Spans wait in each worker's batch until its shutdown flushes them.
    const { app, appUrl, systemUrl } = await startCluster({
      OTEL_EXPORT_ENABLED: '1',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.grpcEndpoint,
      OTEL_BSP_SCHEDULE_DELAY: '60000',
      OTEL_LOGS_EXPORTER: 'none',
    });
    await waitForWorkers(systemUrl, 4);
    const sent = 200;
    expect(await load(`${appUrl}/work`, sent, 8)).toBe(sent);

    const text = await scrape(systemUrl);
    expect(sumSamples(text, REQUESTS)).toBe(sent);
    // Spread over the workers by node:cluster's round robin, so every worker served some.
    expect(labelValues(text, 'dynamo_component_uptime_seconds', 'cluster_worker').size).toBe(4);
    expect(labelValues(text, 'process_resident_memory_bytes', 'cluster_worker').size).toBe(4);
    // The aggregate is one valid, lint-clean exposition (a missing promtool fails in CI, see binaries.ts).
    if (promtool !== undefined)
      expect(await promtoolCheckMetrics(promtool, text)).toEqual({ code: 0, output: '' });
    // Only the primary bound DYN_SYSTEM_PORT.
    expect(app.lines.filter((line) => line.message === 'system status server listening')).toHaveLength(1);
    const health = await get(`${systemUrl}/health`);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body).checks).toEqual({ 'cluster workers': 'ready' });
    expect((await get(`${systemUrl}/live`)).status).toBe(200);
    // dynotel's IPC messages were told apart by the app's own handler (the fixture prints the others).
    expect(app.lines.filter((line) => 'appMessage' in line)).toEqual([]);

    expect(await app.stop()).toBe(0);
    const exits = app.lines.filter((line) => 'workerExit' in line);
    expect(exits).toHaveLength(4);
    for (const exit of exits) expect(exit.code).toBe(0);
    // Each worker ran its own sequence and flushed its logs, then the primary.
    expect(app.lines.filter((line) => line.message === 'shutdown complete')).toHaveLength(5);
    // ... and its spans: every request's SERVER span reached the collector.
    const serverSpans = collector
      .spans()
      .filter((span) => span.kind === 2 && JSON.stringify(span.attributes).includes('/work'));
    expect(serverSpans).toHaveLength(sent);
  });

  it('a hung worker and a worker killed mid-scrape never stall the scrape; the gap is counted', async () => {
    const { appUrl, systemUrl } = await startCluster({
      DYN_CLUSTER_SCRAPE_TIMEOUT: '1',
      // Every worker must be ready: the hung one makes the service notready.
      DYN_CLUSTER_READY_SHARE: '1',
    });
    await waitForWorkers(systemUrl, 4);
    expect(await load(`${appUrl}/work`, 40, 4)).toBe(40);
    const before = await scrape(systemUrl);
    const counted = sumSamples(before, REQUESTS);

    // One connection, so both requests reach the same worker: its pid, then its event loop blocked.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const pid = Number((await get(`${appUrl}/pid`, { agent })).body);
    await get(`${appUrl}/hang?ms=20000`, { agent });
    agent.destroy();
    // The worker blocks its loop 20 ms after answering: let it start.
    await new Promise((resolve) => setTimeout(resolve, 300));

    const stale = await scrape(systemUrl);
    expect(
      sumSamples(stale, 'dynotel_cluster_worker_snapshots_missed_total', { reason: 'timeout' }),
    ).toBeGreaterThan(0);
    // Its counters stay at their last snapshot (no dip: the two requests it served since are not in
    // it yet); its gauges are left out as stale.
    expect(sumSamples(stale, REQUESTS)).toBeGreaterThanOrEqual(counted);
    expect(labelValues(stale, 'dynamo_component_uptime_seconds', 'cluster_worker').size).toBe(3);
    const health = await get(`${systemUrl}/health`);
    expect(health.status).toBe(503);
    expect(JSON.parse(health.body).checks).toEqual({ 'cluster workers': 'notready' });
    expect((await get(`${systemUrl}/live`)).status).toBe(200);

    const pending = scrape(systemUrl);
    await new Promise((resolve) => setTimeout(resolve, 200));
    process.kill(pid, 'SIGKILL');
    const afterKill = await pending;
    const missed = (reason: string) =>
      sumSamples(afterKill, 'dynotel_cluster_worker_snapshots_missed_total', { reason });
    expect(missed('exited') + missed('timeout')).toBeGreaterThanOrEqual(2);
    expect(sumSamples(afterKill, REQUESTS)).toBeGreaterThanOrEqual(counted);
    const later = await scrape(systemUrl);
    expect(sumSamples(later, 'dynotel_cluster_workers_retired_total')).toBeGreaterThanOrEqual(1);
    expect(sumSamples(later, REQUESTS)).toBeGreaterThanOrEqual(counted);
  });

  it('a worker restarted under load: the service total never goes backwards', async () => {
    const { appUrl, systemUrl } = await startCluster({ REFORK: '1' });
    await waitForWorkers(systemUrl, 4);
    const totals: number[] = [];
    let loading = true;
    const scraper = (async () => {
      while (loading) {
        totals.push(sumSamples(await scrape(systemUrl), REQUESTS));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const first = await load(`${appUrl}/work`, 150, 4);
    const pid = Number((await get(`${appUrl}/pid`)).body);
    const beforeKill = sumSamples(await scrape(systemUrl), REQUESTS);
    const during = load(`${appUrl}/work`, 150, 4);
    process.kill(pid, 'SIGKILL');
    const second = await during;
    await waitForWorkers(systemUrl, 4);
    loading = false;
    await scraper;
    const final = await scrape(systemUrl);
    const total = sumSamples(final, REQUESTS);

    for (let i = 1; i < totals.length; i++) expect(totals[i]).toBeGreaterThanOrEqual(totals[i - 1] as number);
    expect(total).toBeGreaterThanOrEqual(Math.max(...totals));
    expect(total).toBeGreaterThanOrEqual(beforeKill);
    // Everything answered is counted, less at most what the killed worker served after its last snapshot.
    expect(total).toBeLessThanOrEqual(first + second + 2);
    expect(total).toBeGreaterThan(beforeKill);
    expect(sumSamples(final, 'dynotel_cluster_workers_retired_total')).toBe(1);
  });
});

describe('worker_threads: one /metrics from the main thread', () => {
  it('counts what the threads record, keeps the request ids in their log lines, keeps the count when a thread ends, and shuts the threads down with the main thread', async () => {
    const app = startScaledApp('threads-app.mjs', { THREADS: '2' });
    running = app;
    const ready = await app.waitFor((line) => 'appPort' in line, 'the app port');
    const appUrl = `http://127.0.0.1:${String(ready.appPort)}`;
    const systemUrl = String(ready.systemUrl);
    const ids = Array.from({ length: 20 }, () => randomUUID());
    for (const id of ids)
      expect((await get(`${appUrl}/job`, { headers: { 'x-request-id': id } })).status).toBe(200);

    const text = await scrape(systemUrl);
    expect(sumSamples(text, 'dynamo_component_fixture_jobs_total')).toBe(20);
    expect(labelValues(text, 'dynamo_component_uptime_seconds', 'cluster_worker')).toEqual(
      new Set(['thread-1', 'thread-2']),
    );
    await app.waitFor(
      (line) => line.message === 'job done in a worker thread' && line.job === 20,
      'the last job line',
    );
    const jobLines = app.lines.filter((line) => line.message === 'job done in a worker thread');
    expect(jobLines.map((line) => line.x_request_id).sort()).toEqual([...ids].sort());

    expect((await get(`${appUrl}/stop-thread`)).body).toBe('stopped');
    for (let i = 0; i < 10; i++) expect((await get(`${appUrl}/job`)).status).toBe(200);
    const after = await scrape(systemUrl);
    expect(sumSamples(after, 'dynamo_component_fixture_jobs_total')).toBe(30);

    // SIGTERM: the remaining thread runs its own sequence (flushing its spans and logs), then the main thread.
    expect(await app.stop()).toBe(0);
    expect(app.lines.filter((line) => line.message === 'shutdown complete')).toHaveLength(2);
  });
});
