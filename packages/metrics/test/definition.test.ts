import { DynotelError } from '@dynotel/core';
import { describe, expect, it } from 'vitest';
import { createMetricsRoot, DEFAULT_BUCKETS, metricsErrors } from '../src/index.ts';

function thrown(fn: () => unknown): DynotelError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DynotelError) return error;
    throw error;
  }
  throw new Error('expected a throw');
}

describe('metric definitions are checked when created', () => {
  const ep = () => createMetricsRoot({ workerId: 1 }).namespace('ns').component('c').endpoint('e');

  it.each(['dynamo_namespace', 'dynamo_component', 'dynamo_endpoint', 'worker_id'])(
    'rejects the auto-label %s as a const label with Dynamo message',
    (key) => {
      const error = thrown(() => ep().counter({ name: 'x_total', help: 'h', constLabels: { [key]: 'v' } }));
      expect(error.code).toBe('ERR_DYNOTEL_METRICS_RESERVED_LABEL');
      expect(error.message).toBe(
        `Label '${key}' is automatically added by auto-label injection and cannot be manually set`,
      );
    },
  );

  it.each(['dynamo_namespace', 'worker_id'])('rejects the auto-label %s as a variable label', (key) => {
    const error = thrown(() => ep().gauge({ name: 'g', help: 'h', labelNames: [key] }));
    expect(error.code).toBe('ERR_DYNOTEL_METRICS_RESERVED_LABEL');
    expect(error.message).toBe(
      `Variable label name '${key}' conflicts with auto-injected const label and cannot be used`,
    );
  });

  it('allows auto-label names when auto-labels are off', async () => {
    const root = createMetricsRoot();
    root.counter({ name: 'f_total', help: 'h', autoLabels: false, constLabels: { worker_id: 'x' } }).inc();
    expect((await root.scrape()).body).toContain('dynamo_component_f_total{worker_id="x"} 1');
  });

  it('rejects duplicate label keys with Dynamo message', () => {
    const dupVar = thrown(() => ep().counter({ name: 'x_total', help: 'h', labelNames: ['a', 'a'] }));
    expect(dupVar.code).toBe('ERR_DYNOTEL_METRICS_DUPLICATE_LABEL');
    expect(dupVar.message).toBe("Duplicate label key 'a' found in labels");
    const dupMixed = thrown(() =>
      ep().counter({ name: 'x_total', help: 'h', labelNames: ['model'], constLabels: { model: 'm' } }),
    );
    expect(dupMixed.message).toBe("Duplicate label key 'model' found in labels");
  });

  it('rejects le and quantile on histograms and quantile on counters', () => {
    for (const options of [
      { labelNames: ['le'] },
      { constLabels: { le: '1' } },
      { labelNames: ['quantile'] },
    ]) {
      expect(thrown(() => ep().histogram({ name: 'h', help: 'h', ...options })).code).toBe(
        'ERR_DYNOTEL_METRICS_RESERVED_LABEL',
      );
    }
    expect(thrown(() => ep().counter({ name: 'c_total', help: 'h', labelNames: ['quantile'] })).code).toBe(
      'ERR_DYNOTEL_METRICS_RESERVED_LABEL',
    );
    // le is an ordinary label elsewhere
    ep().gauge({ name: 'g', help: 'h', labelNames: ['le'] });
  });

  it('rejects invalid names', () => {
    expect(thrown(() => ep().counter({ name: '', help: 'h' })).message).toContain(
      'metric name should be valid or sanitizable',
    );
    expect(thrown(() => ep().counter({ name: '@#$%', help: 'h' })).code).toBe(
      'ERR_DYNOTEL_METRICS_INVALID_NAME',
    );
    expect(thrown(() => ep().counter({ name: 'a.b', help: 'h', prefix: false })).code).toBe(
      'ERR_DYNOTEL_METRICS_INVALID_NAME',
    );
    expect(thrown(() => ep().counter({ name: 'ok', help: 'h', labelNames: ['bad-name'] })).code).toBe(
      'ERR_DYNOTEL_METRICS_INVALID_LABEL_NAME',
    );
    expect(thrown(() => ep().counter({ name: 'ok', help: 'h', constLabels: { __reserved: 'x' } })).code).toBe(
      'ERR_DYNOTEL_METRICS_INVALID_LABEL_NAME',
    );
    expect(thrown(() => ep().counter({ name: 'ok', help: '' })).code).toBe(
      'ERR_DYNOTEL_METRICS_INVALID_OPTION',
    );
  });

  it('rejects bad buckets and accepts an explicit +Inf', () => {
    for (const buckets of [[], [1, 1], [2, 1], [Number.NaN], [0, -Infinity]]) {
      expect(thrown(() => ep().histogram({ name: 'h', help: 'h', buckets })).code).toBe(
        'ERR_DYNOTEL_METRICS_INVALID_BUCKETS',
      );
    }
    expect(ep().histogram({ name: 'h', help: 'h', buckets: [1, 2, Infinity] }).buckets).toEqual([1, 2]);
    expect(ep().histogram({ name: 'h', help: 'h' }).buckets).toEqual(DEFAULT_BUCKETS);
  });

  it('returns the existing metric for an identical definition and refuses a conflicting one', () => {
    const level = ep();
    const a = level.counter({ name: 'req_total', help: 'h', labelNames: ['m'], constLabels: { x: '1' } });
    const b = level.counter({ name: 'req_total', help: 'h', labelNames: ['m'], constLabels: { x: '1' } });
    expect(b).toBe(a);
    for (const make of [
      () => level.counter({ name: 'req_total', help: 'other', labelNames: ['m'], constLabels: { x: '1' } }),
      () => level.counter({ name: 'req_total', help: 'h', labelNames: ['n'], constLabels: { x: '1' } }),
      () => level.gauge({ name: 'req_total', help: 'h', labelNames: ['m'], constLabels: { x: '1' } }),
      () => level.counter({ name: 'req_total', help: 'h', labelNames: ['m'], constLabels: { x: '2' } }),
    ]) {
      const error = thrown(make);
      expect(error.code).toBe('ERR_DYNOTEL_METRICS_CONFLICTING_METRIC');
      expect(error.message).toMatch(/^Failed to register metric: /);
    }
  });

  it('catalogues every code it throws', () => {
    expect(Object.keys(metricsErrors.errors)).toEqual(
      expect.arrayContaining([
        'ERR_DYNOTEL_METRICS_CONFLICTING_METRIC',
        'ERR_DYNOTEL_METRICS_DUPLICATE_LABEL',
        'ERR_DYNOTEL_METRICS_INVALID_BUCKETS',
        'ERR_DYNOTEL_METRICS_INVALID_HIERARCHY_NAME',
        'ERR_DYNOTEL_METRICS_INVALID_LABEL_NAME',
        'ERR_DYNOTEL_METRICS_INVALID_NAME',
        'ERR_DYNOTEL_METRICS_INVALID_OPTION',
        'ERR_DYNOTEL_METRICS_RESERVED_LABEL',
      ]),
    );
    expect(metricsErrors.packageName).toBe('@dynotel/metrics');
  });

  it('validates root options', () => {
    for (const options of [{ seriesLimit: 0 }, { seriesLimit: 1.5 }, { maxLabelValueLength: -1 }]) {
      expect(thrown(() => createMetricsRoot(options)).code).toBe('ERR_DYNOTEL_METRICS_INVALID_OPTION');
    }
  });
});
