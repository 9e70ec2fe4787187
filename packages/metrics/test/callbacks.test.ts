import { type DiagnosticRecord, diag, selfMetrics } from '@dynotel/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMetricsRoot } from '../src/index.ts';
import { expectLine, parseBody, selfValue } from './support.ts';

let records: DiagnosticRecord[] = [];
beforeEach(() => {
  selfMetrics.reset();
  records = [];
  diag.setSink((record) => records.push(record));
});
afterEach(() => diag.reset());

describe('scrape callbacks', () => {
  it('runs every update callback of the subtree before gathering, in pre-order', async () => {
    const root = createMetricsRoot();
    const order: string[] = [];
    const ns = root.namespace('ns');
    const ep = ns.component('c').endpoint('e');
    const gauge = ep.gauge({ name: 'uptime_seconds', help: 'h' });
    root.onScrape(() => {
      order.push('root');
    });
    ep.onScrape(async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      gauge.set(42);
      order.push('endpoint');
    });
    ns.onScrape(() => {
      order.push('namespace');
    });
    const { body } = await root.scrape();
    expect(order).toEqual(['root', 'namespace', 'endpoint']);
    expect(body).toContain(
      'dynamo_component_uptime_seconds{dynamo_component="c",dynamo_endpoint="e",dynamo_namespace="ns"} 42',
    );
    // Scraping a level runs only its subtree's callbacks.
    order.length = 0;
    await ep.scrape();
    expect(order).toEqual(['endpoint']);
  });

  it('logs and counts a throwing or rejecting callback without failing the scrape', async () => {
    const root = createMetricsRoot();
    root.gauge({ name: 'ok', help: 'h' }).set(1);
    root.onScrape(() => {
      throw new Error('boom');
    });
    root.onScrape(() => Promise.reject(new Error('async boom')));
    root.addExpositionCallback(() => {
      throw new Error('text boom');
    });
    const { body } = await root.scrape();
    expectLine(body, 'dynamo_component_ok 1');
    expect(selfValue('dynotel_metrics_callback_failures_total', { kind: 'update' })).toBe(2);
    expect(selfValue('dynotel_metrics_callback_failures_total', { kind: 'exposition' })).toBe(1);
    expectLine(body, 'dynotel_metrics_callback_failures_total{kind="update"} 2');
    expect(records.map((r) => r.message)).toEqual(
      expect.arrayContaining([
        'Error executing metrics callback',
        'Error executing exposition text callback',
      ]),
    );
    expect(records.find((r) => r.fields?.error === 'async boom')).toBeDefined();
  });

  it('gives up on a callback that never settles after the timeout', async () => {
    const root = createMetricsRoot({ callbackTimeoutMs: 50 });
    root.onScrape(() => new Promise<void>(() => {}));
    root.gauge({ name: 'ok', help: 'h' }).set(1);
    const { body } = await root.scrape();
    expectLine(body, 'dynamo_component_ok 1');
    expect(selfValue('dynotel_metrics_callback_failures_total', { kind: 'update' })).toBe(1);
  });

  it('merges validated exposition text into the one sorted family list', async () => {
    const root = createMetricsRoot();
    root.gauge({ name: 'own', help: 'h' }).set(1);
    const ep = root.namespace('n').component('c').endpoint('e');
    root.addExpositionCallback(
      () => '# HELP engine_a_total A\n# TYPE engine_a_total counter\nengine_a_total 1\n',
    );
    ep.addExpositionCallback(async () => '# TYPE engine_b gauge\nengine_b{model="m"} 2\n');
    const { body } = await root.scrape();
    const a = body.indexOf('engine_a_total 1\n');
    const b = body.indexOf('engine_b{model="m"} 2\n');
    expect(a).toBeGreaterThan(body.indexOf('dynamo_component_own 1'));
    expect(b).toBeGreaterThan(a);
    const names = [...body.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]);
    expect(names).toEqual([...names].sort());
    parseBody(body);
  });

  it('takes a last line without its line feed as cut: drops it alone and counts it (Dynamo appends a LF)', async () => {
    const root = createMetricsRoot();
    root.addExpositionCallback(() => '# TYPE eng_kept gauge\neng_kept 1\n# TYPE eng_nolf gauge\neng_nolf 12');
    const { body } = await root.scrape();
    expectLine(body, 'eng_kept 1');
    expect(body).not.toContain('eng_nolf 12');
    expect(selfValue('dynotel_metrics_foreign_lines_dropped_total', { reason: 'unterminated' })).toBe(1);
    // OpenMetrics may end in `# EOF` without a line feed: nothing is cut.
    const om = createMetricsRoot();
    om.addExpositionCallback(() => '# TYPE eng_om gauge\neng_om 7\n# EOF');
    expectLine((await om.scrape()).body, 'eng_om 7');
    expect(selfValue('dynotel_metrics_foreign_lines_dropped_total', { reason: 'unterminated' })).toBe(1);
  });

  it('drops invalid exposition text whole, logs the reason and counts it', async () => {
    const root = createMetricsRoot();
    root.addExpositionCallback(() => 'broken{ 1\n');
    root.addExpositionCallback(() => '# TYPE fine gauge\nfine 1\n');
    root.addExpositionCallback(() => 42 as unknown as string);
    const { body } = await root.scrape();
    expect(body).not.toContain('broken');
    expectLine(body, 'fine 1');
    expect(selfValue('dynotel_metrics_exposition_text_dropped_total', { reason: 'invalid_text' })).toBe(1);
    expect(selfValue('dynotel_metrics_exposition_text_dropped_total', { reason: 'not_a_string' })).toBe(1);
    expect(
      records.some(
        (r) =>
          r.message.includes('text dropped from the scrape (invalid_text)') &&
          r.fields?.reason === 'invalid_text',
      ),
    ).toBe(true);
    parseBody(body);
  });

  it('merges a callback family into an earlier one of that name by the Gatherers rules, keeping the body valid', async () => {
    const root = createMetricsRoot();
    root.gauge({ name: 'own', help: 'h' }).set(1);
    root.addExpositionCallback(
      () => '# TYPE dynamo_component_own gauge\ndynamo_component_own 5\n# TYPE kept gauge\nkept 1\n',
    );
    root.addExpositionCallback(
      () =>
        '# TYPE kept gauge\nkept 2\n# TYPE dynotel_metrics_fake_total counter\ndynotel_metrics_fake_total 1\n',
    );
    const { body } = await root.scrape();
    expect(body).not.toContain('dynamo_component_own 5');
    expectLine(body, 'kept 1');
    expect(body).not.toContain('kept 2');
    // Own `dynamo_component_own` has HELP, the callback's has none: the later family goes whole.
    expect(selfValue('dynotel_metrics_families_dropped_total', { reason: 'conflicting_metadata' })).toBe(1);
    // Same name, TYPE and (no) HELP: merged, and the repeated series is dropped, first wins.
    expect(selfValue('dynotel_metrics_duplicate_series_dropped_total')).toBe(1);
    expectLine(body, 'dynotel_metrics_fake_total 1');
    parseBody(body);
  });

  it('rewrites callback text as OpenMetrics for an OpenMetrics scrape', async () => {
    const root = createMetricsRoot();
    root.addExpositionCallback(
      () =>
        '# HELP engine_requests_total Say "hi"\n# TYPE engine_requests_total counter\nengine_requests_total{m="a"} 3 1700000000000\n' +
        '# TYPE engine_plain counter\nengine_plain 4\n# TYPE engine_u untyped\nengine_u 1\n' +
        '# TYPE engine_lat histogram\nengine_lat_bucket{le="1"} 1\nengine_lat_bucket{le="+Inf"} 2\nengine_lat_sum 3\nengine_lat_count 2\n',
    );
    const { body } = await root.scrape('application/openmetrics-text');
    expectLine(body, '# HELP engine_requests Say \\"hi\\"');
    expectLine(body, '# TYPE engine_requests counter');
    expectLine(body, 'engine_requests_total{m="a"} 3 1700000000');
    expectLine(body, 'engine_plain_total 4');
    expectLine(body, '# TYPE engine_u unknown');
    expectLine(body, 'engine_lat_bucket{le="1.0"} 1');
    expect(body.endsWith('\n# EOF\n')).toBe(true);
    parseBody(body, 'openmetrics');
  });

  it("leaves out prometheus_client's _created gauges silently (vLLM writes one per counter and histogram)", async () => {
    const root = createMetricsRoot();
    root.addExpositionCallback(
      () =>
        '# HELP vllm:request_success_total Requests\n# TYPE vllm:request_success_total counter\n' +
        'vllm:request_success_total{model="m"} 3\n' +
        '# HELP vllm:request_success_created Requests\n# TYPE vllm:request_success_created gauge\n' +
        'vllm:request_success_created{model="m"} 1.7e9\n' +
        '# HELP vllm:e2e_seconds Latency\n# TYPE vllm:e2e_seconds histogram\n' +
        'vllm:e2e_seconds_bucket{le="+Inf"} 1\nvllm:e2e_seconds_sum 0.5\nvllm:e2e_seconds_count 1\n' +
        '# HELP vllm:e2e_seconds_created Latency\n# TYPE vllm:e2e_seconds_created gauge\nvllm:e2e_seconds_created 1.7e9\n',
    );
    for (const accept of [undefined, 'application/openmetrics-text']) {
      const { body } = await root.scrape(accept);
      expect(body).toContain('vllm:request_success_total{model="m"} 3\n');
      expect(body).toContain('vllm:e2e_seconds_count 1\n');
      expect(body).not.toContain('_created');
      parseBody(body, accept === undefined ? 'text' : 'openmetrics');
    }
    expect(selfValue('dynotel_metrics_families_dropped_total', { reason: 'name_clash' })).toBe(0);
  });
});
