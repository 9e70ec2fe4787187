import { selfMetrics } from '@dynotel/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { createMetricsRoot, DEFAULT_SERIES_LIMIT, OVERFLOW_LABEL } from '../src/index.ts';
import { expectLine, parseBody, sampleLines, selfValue } from './support.ts';

beforeEach(() => selfMetrics.reset());

describe('cardinality guard', () => {
  it('defaults to 2000 series per metric', () => {
    expect(DEFAULT_SERIES_LIMIT).toBe(2000);
  });

  it('routes new label sets past the limit to one overflow series, never losing a count', async () => {
    const root = createMetricsRoot({ seriesLimit: 3, workerId: 1 });
    const c = root.namespace('n').counter({ name: 'route_total', help: 'h', labelNames: ['route'] });
    for (let i = 0; i < 10; i++) c.labels(`/r/${i}`).inc();
    c.labels('/r/0').inc(); // an existing series still works
    const { body } = await root.scrape();
    const lines = sampleLines(body).filter((l) => l.startsWith('dynamo_component_route_total'));
    expect(lines).toEqual([
      'dynamo_component_route_total{dynamo_namespace="n",route="/r/0",worker_id="1"} 2',
      'dynamo_component_route_total{dynamo_namespace="n",route="/r/1",worker_id="1"} 1',
      'dynamo_component_route_total{dynamo_namespace="n",route="/r/2",worker_id="1"} 1',
      `dynamo_component_route_total{dynamo_namespace="n",${OVERFLOW_LABEL}="true",worker_id="1"} 7`,
    ]);
    expect(
      selfValue('dynotel_metrics_series_overflow_total', { metric: 'dynamo_component_route_total' }),
    ).toBe(7);
    expectLine(body, 'dynotel_metrics_series_overflow_total{metric="dynamo_component_route_total"} 7');
    parseBody(body);
  });

  it('takes a per-metric limit over the root default, for histograms too', async () => {
    const root = createMetricsRoot({ seriesLimit: 100 });
    const h = root.histogram({ name: 'h', help: 'h', labelNames: ['a', 'b'], seriesLimit: 1, buckets: [1] });
    h.labels('x', 'y').observe(0.5);
    h.labels('x', 'z').observe(2);
    h.labels('q', 'z').observe(3);
    const { body } = await root.scrape();
    expectLine(body, `dynamo_component_h_count{${OVERFLOW_LABEL}="true"} 2`);
    expectLine(body, 'dynamo_component_h_count{a="x",b="y"} 1');
    parseBody(body);
  });

  it('truncates long label values on a character boundary and counts it', async () => {
    const root = createMetricsRoot({ maxLabelValueLength: 5 });
    const g = root.gauge({ name: 'g', help: 'h', labelNames: ['v'], constLabels: { c: 'abcdefgh' } });
    g.labels('1234\u{1F600}xyz').set(1); // the emoji's pair would be split at 5: cut before it
    g.labels('abcdefg').set(2);
    g.labels('abcdezz').set(3); // truncates to the same value: same series
    g.labels('short').set(4);
    const { body } = await root.scrape();
    expectLine(body, 'dynamo_component_g{c="abcde",v="1234"} 1');
    expectLine(body, 'dynamo_component_g{c="abcde",v="abcde"} 3');
    expectLine(body, 'dynamo_component_g{c="abcde",v="short"} 4');
    expect(selfValue('dynotel_metrics_label_values_truncated_total')).toBe(4);
    parseBody(body);
  });

  it('does not let distinct long values that truncate alike grow the lookup cache', () => {
    const root = createMetricsRoot({ maxLabelValueLength: 4 });
    const c = root.counter({ name: 'c_total', help: 'h', labelNames: ['v'] });
    const first = c.labels('aaaa-1');
    for (let i = 0; i < 50; i++) expect(c.labels(`aaaa-${i}`)).toBe(first);
    expect(first.value).toBe(0);
  });
});

describe('record path never throws', () => {
  it('returns the same cached child for the same values', () => {
    const root = createMetricsRoot();
    const c = root.counter({ name: 'c_total', help: 'h', labelNames: ['a', 'b'] });
    expect(c.labels('x', 'y')).toBe(c.labels('x', 'y'));
    expect(c.labels('x', 'y')).not.toBe(c.labels('x', 'z'));
  });

  it('drops and counts negative or non-finite increments, NaN observations and wrong label arity', async () => {
    const root = createMetricsRoot();
    const c = root.counter({ name: 'c_total', help: 'h' });
    const labelled = root.counter({ name: 'l_total', help: 'h', labelNames: ['a'] });
    const h = root.histogram({ name: 'h', help: 'h' });
    c.inc(-1);
    c.inc(Number.NaN);
    c.inc(Infinity);
    c.inc(2);
    h.observe(Number.NaN);
    labelled.labels('a', 'b').inc();
    labelled.inc();
    expect(c.get()).toBe(2);
    const { body } = await root.scrape();
    expectLine(body, 'dynamo_component_c_total 2');
    expect(body).not.toContain('dynamo_component_l_total');
    expectLine(body, 'dynamo_component_h_count 0');
    const dropped = selfMetrics
      .collect()
      .find((f) => f.name === 'dynotel_metrics_invalid_values_dropped_total');
    expect(dropped?.samples.reduce((sum, s) => sum + s.value, 0)).toBe(6);
  });

  it('supports gauge set, inc and dec on the metric and on children', async () => {
    const root = createMetricsRoot();
    const g = root.gauge({ name: 'g', help: 'h' });
    g.set(5);
    g.inc();
    g.dec(3);
    const gl = root.gauge({ name: 'gl', help: 'h', labelNames: ['k'] });
    gl.labels('a').inc(2);
    gl.labels('a').dec();
    expect(g.get()).toBe(3);
    const { body } = await root.scrape();
    expectLine(body, 'dynamo_component_g 3');
    expectLine(body, 'dynamo_component_gl{k="a"} 1');
  });
});
