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

describe('scrape merge and de-duplication', () => {
  it('keeps the first of two identical series and counts the drop (metrics.rs L1764-1813)', async () => {
    const root = createMetricsRoot();
    const comp = root.namespace('ns').component('c');
    // Auto-labels off, so the two levels produce the same series identity.
    comp.counter({ name: 'dup_total', help: 'h', autoLabels: false }).inc(50);
    comp.endpoint('e').counter({ name: 'dup_total', help: 'h', autoLabels: false }).inc(75);
    const { body } = await root.scrape();
    expectLine(body, 'dynamo_component_dup_total 50');
    expect(body).not.toContain(' 75');
    expect(selfValue('dynotel_metrics_duplicate_series_dropped_total')).toBe(1);
    expectLine(body, 'dynotel_metrics_duplicate_series_dropped_total 1');
    parseBody(body);
  });

  it('merges a family across levels into one group of distinct series', async () => {
    const root = createMetricsRoot();
    const comp = root.namespace('ns').component('c');
    comp.endpoint('a').counter({ name: 'req_total', help: 'h' }).inc(1);
    comp.endpoint('b').counter({ name: 'req_total', help: 'h' }).inc(2);
    const { body } = await root.scrape();
    expect(body.match(/^# TYPE dynamo_component_req_total counter$/gm)).toHaveLength(1);
    expectLine(
      body,
      'dynamo_component_req_total{dynamo_component="c",dynamo_endpoint="a",dynamo_namespace="ns"} 1',
    );
    expectLine(
      body,
      'dynamo_component_req_total{dynamo_component="c",dynamo_endpoint="b",dynamo_namespace="ns"} 2',
    );
    expect(selfValue('dynotel_metrics_duplicate_series_dropped_total')).toBe(0);
  });

  it('drops only the later family on a HELP or TYPE conflict, and counts it', async () => {
    const root = createMetricsRoot();
    const ns = root.namespace('ns');
    ns.counter({ name: 'x_total', help: 'first' }).inc(1);
    ns.component('c').counter({ name: 'x_total', help: 'second' }).inc(2);
    ns.component('d').gauge({ name: 'x_total', help: 'first' }).set(3);
    ns.gauge({ name: 'other', help: 'h' }).set(9);
    const { body } = await root.scrape();
    expectLine(body, '# HELP dynamo_component_x_total first');
    expectLine(body, 'dynamo_component_x_total{dynamo_namespace="ns"} 1');
    expect(body).not.toContain('second');
    expect(body).not.toContain('dynamo_component_x_total{dynamo_component');
    expectLine(body, 'dynamo_component_other{dynamo_namespace="ns"} 9');
    expect(selfValue('dynotel_metrics_families_dropped_total', { reason: 'conflicting_metadata' })).toBe(2);
    parseBody(body);
  });

  it('sorts families by name and labels by name', async () => {
    const root = createMetricsRoot();
    const ns = root.namespace('n');
    ns.gauge({ name: 'zeta', help: 'h' }).set(1);
    ns.gauge({ name: 'alpha', help: 'h', labelNames: ['b', 'a'], constLabels: { c: 'z' } })
      .labels('1', '2')
      .set(1);
    ns.gauge({ name: 'mid', help: 'h' }).set(1);
    const { body } = await root.scrape();
    const names = [...body.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]);
    expect(names).toEqual([...names].sort());
    expectLine(body, 'dynamo_component_alpha{a="2",b="1",c="z",dynamo_namespace="n"} 1');
  });

  it('renders the process self-metrics as dynotel_* families on a root scrape only', async () => {
    const probe = selfMetrics.counter('dynotel_test_probe_total', 'A probe "with" a \\ backslash');
    probe.inc({ reason: 'a"b' }, 3);
    const root = createMetricsRoot();
    const { body } = await root.scrape();
    expectLine(body, '# HELP dynotel_test_probe_total A probe "with" a \\\\ backslash');
    expectLine(body, 'dynotel_test_probe_total{reason="a\\"b"} 3');
    expect((await root.namespace('n').scrape()).body).not.toContain('dynotel_test_probe_total');
    parseBody(body);
  });

  it('counts every drop but warns once per family, not on every scrape', async () => {
    const root = createMetricsRoot();
    root.gauge({ name: 'w', help: 'a' }).set(1);
    root.namespace('n').gauge({ name: 'w', help: 'b' }).set(2);
    await root.scrape();
    await root.scrape();
    expect(selfValue('dynotel_metrics_families_dropped_total', { reason: 'conflicting_metadata' })).toBe(2);
    const warnings = records.filter((r) => r.message.startsWith('Metric family dropped from the scrape'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.fields).toMatchObject({
      family: 'dynamo_component_w',
      type: 'gauge',
      reason: 'conflicting_metadata',
    });
  });

  it('reserves every sample name a family owns: a later family claiming one is dropped whole, by precedence', async () => {
    const root = createMetricsRoot();
    const ns = root.namespace('ns');
    // Child level: histogram foo (root) against gauge foo_count (namespace).
    root.histogram({ name: 'foo', help: 'h', prefix: false, autoLabels: false }).observe(1);
    ns.gauge({ name: 'foo_count', help: 'g', prefix: false, autoLabels: false }).set(9);
    // Same level, registered later: gauge bar_count against histogram bar.
    root.histogram({ name: 'bar', help: 'h', prefix: false, autoLabels: false }).observe(1);
    root.gauge({ name: 'bar_count', help: 'g', prefix: false, autoLabels: false }).set(9);
    // Counter base names: counter baz_total owns baz, so a counter named baz clashes with it.
    root.counter({ name: 'baz_total', help: 'c', prefix: false, autoLabels: false }).inc();
    root.counter({ name: 'baz', help: 'c', prefix: false, autoLabels: false }).inc();
    // Foreign text is offered after own families and the self-metrics: its clashing families go.
    root.addExpositionCallback(
      () =>
        '# TYPE foo_sum gauge\nfoo_sum 7\n# TYPE dynotel_metrics_duplicate_series_dropped gauge\n' +
        'dynotel_metrics_duplicate_series_dropped 1\n# TYPE eng_ok gauge\neng_ok 1\n',
    );
    for (const accept of [undefined, 'application/openmetrics-text']) {
      const { body } = await root.scrape(accept);
      expect(body.match(/^foo_count /gm)).toHaveLength(1);
      expect(body.match(/^bar_count /gm)).toHaveLength(1);
      expect(body).not.toContain(' 9\n');
      expect(body).not.toContain('foo_sum 7');
      expect(body).not.toMatch(/^baz [0-9]/m);
      expect(body).toContain('eng_ok 1');
      parseBody(body, accept === undefined ? 'text' : 'openmetrics');
    }
    // Per scrape: foo_count, bar_count, baz, foo_sum, the fake self-metric.
    expect(selfValue('dynotel_metrics_families_dropped_total', { reason: 'name_clash' })).toBe(10);
    const warnings = records.filter((r) => r.message.startsWith('Metric family dropped from the scrape'));
    expect(warnings.map((r) => r.fields?.family).sort()).toEqual([
      'bar_count',
      'baz',
      'dynotel_metrics_duplicate_series_dropped',
      'foo_count',
      'foo_sum',
    ]);
  });

  it('counts a self-metric dropped for a clash once per scrape, though the self-metrics are read twice', async () => {
    const root = createMetricsRoot();
    // Owns the base name of the self-metric counter dynotel_metrics_duplicate_series_dropped_total.
    root.gauge({ name: 'dynotel_metrics_duplicate_series_dropped', help: 'g', prefix: false }).set(1);
    await root.scrape();
    expect(selfValue('dynotel_metrics_families_dropped_total', { reason: 'name_clash' })).toBe(1);
    const { body } = await root.scrape();
    expect(selfValue('dynotel_metrics_families_dropped_total', { reason: 'name_clash' })).toBe(2);
    expect(body).not.toContain('dynotel_metrics_duplicate_series_dropped_total');
    parseBody(body);
  });
});
