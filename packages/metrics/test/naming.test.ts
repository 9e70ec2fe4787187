import { describe, expect, it } from 'vitest';
import { buildComponentMetricName, sanitizeLabelName, sanitizeMetricName } from '../src/index.ts';

// The examples of dynamo-observability.md §2.2 (prometheus_names.rs tests L871-1048).
describe('Dynamo name sanitising', () => {
  it.each([
    ['test.name', 'test_name'],
    ['test:name', 'test:name'],
    ['__test', '__test'],
    ['123test', '_123test'],
    ['@test', '_test'],
    ['123.test-name@domain', '_123_test_name_domain'],
    [':test', '_:test'],
  ])('metric name %j becomes %j', (raw, expected) => {
    expect(sanitizeMetricName(raw)).toBe(expected);
  });

  it.each([[''], ['@#$%'], ['___']])('metric name %j cannot be sanitised', (raw) => {
    expect(sanitizeMetricName(raw)).toBeUndefined();
  });

  it('prefixes every hierarchy metric with dynamo_component', () => {
    expect(buildComponentMetricName('123metric')).toBe('dynamo_component__123metric');
    expect(buildComponentMetricName('requests_total')).toBe('dynamo_component_requests_total');
    expect(buildComponentMetricName('@#$%')).toBeUndefined();
  });

  it.each([
    ['test:label', 'test_label'],
    ['__test', 'test'],
    [':test', '_test'],
    ['123:test-label@domain', '_123_test_label_domain'],
    ['my-ns', 'my_ns'],
    ['@@123', '_123'],
    ['__1abc', '_1abc'],
  ])('label name %j becomes %j', (raw, expected) => {
    expect(sanitizeLabelName(raw)).toBe(expected);
  });

  it.each([['____'], [''], ['---']])('label name %j cannot be sanitised', (raw) => {
    expect(sanitizeLabelName(raw)).toBeUndefined();
  });
});
