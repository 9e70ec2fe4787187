import { describe, expect, it } from 'vitest';
import { selfMetrics } from '../src/index.ts';

describe('selfMetrics', () => {
  it('keeps one series per label set whatever the key order, and treats {} as no labels', () => {
    const counter = selfMetrics.counter('dynotel_test_order_total', 'test');
    counter.inc({ a: '1', b: '2' });
    counter.inc({ b: '2', a: '1' }, 2);
    counter.inc();
    counter.inc({});
    expect(counter.get({ a: '1', b: '2' })).toBe(3);
    expect(counter.get()).toBe(2);
  });

  it('exposes the initial label sets at 0 before the first increment, and again after reset()', () => {
    selfMetrics
      .counter('dynotel_test_initial_total', 'test', { initial: [{ reason: 'x' }, { reason: 'y' }] })
      .inc({
        reason: 'x',
      });
    const family = () => selfMetrics.collect().find((f) => f.name === 'dynotel_test_initial_total')!;
    expect(family().samples).toEqual([
      { labels: { reason: 'x' }, value: 1 },
      { labels: { reason: 'y' }, value: 0 },
    ]);
    selfMetrics.reset();
    expect(family().samples.map((s) => s.value)).toEqual([0, 0]);
  });

  it('rejects names outside dynotel_* and counters without _total', () => {
    expect(() => selfMetrics.counter('other_total', 'x')).toThrow(/dynotel_/);
    expect(() => selfMetrics.counter('dynotel_missing_suffix', 'x')).toThrow(/_total/);
  });
});
