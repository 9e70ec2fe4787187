import { describe, expect, it } from 'vitest';
import { createMetricsRoot } from '../src/index.ts';
import {
  COMPONENT_ERROR_TYPES,
  COMPONENT_REQUEST_DURATION_BUCKETS,
  createComponentMetrics,
} from '../src/sets/component-metrics.ts';
import { manualClock, scrapeParsed } from './sets-helpers.ts';

const WORKER = '694d98147d54be25';
const EP_LABELS = {
  dynamo_namespace: 'ns',
  dynamo_component: 'comp',
  dynamo_endpoint: 'generate',
  worker_id: WORKER,
};

function setup(constLabels?: Record<string, string>) {
  const clock = manualClock();
  const root = createMetricsRoot({ workerId: BigInt(`0x${WORKER}`) });
  const endpoint = root.namespace('ns').component('comp').endpoint('generate');
  const metrics = createComponentMetrics(endpoint, {
    clock: clock.now,
    uptimeLevel: root,
    ...(constLabels === undefined ? {} : { constLabels }),
  });
  return { clock, root, endpoint, metrics };
}

describe('createComponentMetrics: the work-handler set of reference §2.6', () => {
  it('creates every metric with its Dynamo name, type and endpoint auto-labels', async () => {
    const { root } = setup();
    const s = await scrapeParsed(root);
    const types = Object.fromEntries(
      s.families.filter((f) => f.name.startsWith('dynamo_component_')).map((f) => [f.name, f.type]),
    );
    expect(types).toEqual({
      dynamo_component_cancellation_total: 'counter',
      dynamo_component_inflight_requests: 'gauge',
      dynamo_component_request_bytes_total: 'counter',
      dynamo_component_request_duration_seconds: 'histogram',
      dynamo_component_requests_total: 'counter',
      dynamo_component_response_bytes_total: 'counter',
      dynamo_component_uptime_seconds: 'gauge',
    });
    expect(s.value('dynamo_component_requests_total', EP_LABELS)).toBe(0);
    expect(s.value('dynamo_component_inflight_requests', EP_LABELS)).toBe(0);
    // A labelled family with no series yet is not written (as the Rust encoder does for an empty *Vec).
    expect(s.family('dynamo_component_errors_total')).toBeUndefined();
  });

  it('uses the 17 request-duration buckets from 5 ms to 600 s', async () => {
    const { root, metrics } = setup();
    expect(metrics.requestDuration.buckets).toEqual(COMPONENT_REQUEST_DURATION_BUCKETS);
    expect(COMPONENT_REQUEST_DURATION_BUCKETS).toEqual([
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600,
    ]);
    const s = await scrapeParsed(root);
    expect(s.samples('dynamo_component_request_duration_seconds_bucket').map((b) => b.labels.le)).toEqual([
      '0.005',
      '0.01',
      '0.025',
      '0.05',
      '0.1',
      '0.25',
      '0.5',
      '1',
      '2.5',
      '5',
      '10',
      '20',
      '30',
      '60',
      '120',
      '300',
      '600',
      '+Inf',
    ]);
  });

  it('a request counts on start, holds inflight until end, and observes its duration once', async () => {
    const { clock, root, metrics } = setup();
    const request = metrics.startRequest(321);
    let s = await scrapeParsed(root);
    expect(s.value('dynamo_component_requests_total', EP_LABELS)).toBe(1);
    expect(s.value('dynamo_component_inflight_requests', EP_LABELS)).toBe(1);
    expect(s.value('dynamo_component_request_bytes_total', EP_LABELS)).toBe(321);
    request.responseBytes(100);
    request.responseBytes(20);
    clock.advance(1500);
    request.end();
    request.end();
    s = await scrapeParsed(root);
    expect(s.value('dynamo_component_inflight_requests', EP_LABELS)).toBe(0);
    expect(s.value('dynamo_component_response_bytes_total', EP_LABELS)).toBe(120);
    expect(s.value('dynamo_component_request_duration_seconds_count', EP_LABELS)).toBe(1);
    expect(s.value('dynamo_component_request_duration_seconds_sum', EP_LABELS)).toBe(1.5);
    expect(s.value('dynamo_component_request_duration_seconds_bucket', { ...EP_LABELS, le: '1' })).toBe(0);
    expect(s.value('dynamo_component_request_duration_seconds_bucket', { ...EP_LABELS, le: '2.5' })).toBe(1);
  });

  it.each(COMPONENT_ERROR_TYPES)('counts errors_total{error_type="%s"}', async (type) => {
    const { root, metrics } = setup();
    const request = metrics.startRequest();
    request.error(type);
    request.error(type);
    request.end();
    const s = await scrapeParsed(root);
    expect(s.value('dynamo_component_errors_total', { ...EP_LABELS, error_type: type })).toBe(2);
  });

  it('counts cancellations', async () => {
    const { root, metrics } = setup();
    metrics.startRequest().cancelled();
    expect((await scrapeParsed(root)).value('dynamo_component_cancellation_total', EP_LABELS)).toBe(1);
  });

  it("adds the component's metrics_labels as const labels", async () => {
    const { root, metrics } = setup({ service: 'router' });
    metrics.startRequest();
    const s = await scrapeParsed(root);
    expect(s.value('dynamo_component_requests_total', { ...EP_LABELS, service: 'router' })).toBe(1);
  });

  it('uptime lives on the runtime level (only worker_id) and is refreshed before each scrape', async () => {
    const { clock, root, endpoint } = setup();
    clock.advance(2500);
    let s = await scrapeParsed(root);
    expect(s.value('dynamo_component_uptime_seconds', { worker_id: WORKER })).toBe(2.5);
    clock.advance(1000);
    s = await scrapeParsed(root);
    expect(s.value('dynamo_component_uptime_seconds', { worker_id: WORKER })).toBe(3.5);
    // Registered once however many endpoints ask for it.
    createComponentMetrics(root.namespace('ns').component('comp').endpoint('other'), { uptimeLevel: root });
    s = await scrapeParsed(root);
    expect(s.samples('dynamo_component_uptime_seconds')).toHaveLength(1);
    // An endpoint-level scrape does not include the runtime-level gauge.
    expect((await scrapeParsed(endpoint)).samples('dynamo_component_uptime_seconds')).toEqual([]);
  });

  it('two endpoints give two series that differ by dynamo_endpoint', async () => {
    const { root, metrics } = setup();
    const other = createComponentMetrics(root.namespace('ns').component('comp').endpoint('health'));
    metrics.startRequest();
    other.startRequest();
    other.startRequest();
    const s = await scrapeParsed(root);
    expect(s.value('dynamo_component_requests_total', EP_LABELS)).toBe(1);
    expect(s.value('dynamo_component_requests_total', { ...EP_LABELS, dynamo_endpoint: 'health' })).toBe(2);
  });
});
