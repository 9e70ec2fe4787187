import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createMetricsRoot } from '../src/index.ts';
import { createProcessMetrics } from '../src/sets/process-metrics.ts';
import { scrapeParsed } from './sets-helpers.ts';

describe('createProcessMetrics', () => {
  it('adds Node process and runtime metrics to the scrape, valid under the strict parser', async () => {
    const root = createMetricsRoot();
    createProcessMetrics(root);
    const s = await scrapeParsed(root);
    expect(s.family('process_cpu_seconds_total')?.type).toBe('counter');
    expect(s.value('process_start_time_seconds')).toBeGreaterThan(1_600_000_000);
    expect(s.value('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(s.samples('nodejs_version_info')[0]?.labels.version).toBe(process.version);
    expect(s.family('nodejs_eventloop_utilization_ratio')?.type).toBe('histogram');
  });

  it('gives the runtime metrics lint-clean names by default, prom-client names on request', async () => {
    const root = createMetricsRoot();
    createProcessMetrics(root);
    const clean = await scrapeParsed(root);
    for (const name of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
      'nodejs_eventloop_utilization_histogram',
      'nodejs_eventloop_utilization_summary',
    ]) {
      expect(clean.family(name)).toBeUndefined();
    }
    expect(clean.family('nodejs_active_handles')?.type).toBe('gauge');
    const compatible = createMetricsRoot();
    createProcessMetrics(compatible, { promClientNames: true });
    const s = await scrapeParsed(compatible);
    expect(s.family('nodejs_active_handles_total')?.type).toBe('gauge');
    expect(s.family('nodejs_eventloop_utilization_histogram')?.type).toBe('histogram');
    expect(s.family('nodejs_eventloop_utilization_summary')?.type).toBe('summary');
    expect(s.family('nodejs_eventloop_utilization_ratio')).toBeUndefined();
  });

  it('measures event-loop delay with monitorEventLoopDelay: a blocked loop shows up in the max', async () => {
    const root = createMetricsRoot();
    createProcessMetrics(root, { eventLoopMonitoringPrecision: 10 });
    await scrapeParsed(root); // resets the delay histogram
    await sleep(30);
    const until = performance.now() + 60;
    while (performance.now() < until) {
      // Block the event loop on purpose.
    }
    await sleep(30);
    const s = await scrapeParsed(root);
    expect(s.value('nodejs_eventloop_lag_max_seconds')).toBeGreaterThanOrEqual(0.04);
    expect(s.family('nodejs_eventloop_lag_p99_seconds')?.type).toBe('gauge');
  });

  it('is registered once per level and uses a private registry', async () => {
    const root = createMetricsRoot();
    const first = createProcessMetrics(root);
    expect(createProcessMetrics(root)).toBe(first);
    const s = await scrapeParsed(root);
    expect(s.samples('process_start_time_seconds')).toHaveLength(1);
    const other = createProcessMetrics(createMetricsRoot(), { prefix: 'svc_' });
    expect(other.registry).not.toBe(first.registry);
    expect(await other.registry.getSingleMetricAsString('svc_process_start_time_seconds')).toContain(
      'svc_process_start_time_seconds',
    );
  });
});
