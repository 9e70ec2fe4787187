import { type DiagnosticRecord, diag } from '@dynotel/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_LOG_BUCKET_LAYOUTS,
  frontendHistogramBuckets,
  resolveLogBucketLayout,
} from '../src/buckets/layouts.ts';
import { generateLogBuckets, roundToTwoSignificantDigits } from '../src/buckets/log-buckets.ts';

let records: DiagnosticRecord[] = [];
beforeEach(() => {
  diag.reset();
  records = [];
  diag.setSink((record) => records.push(record));
});
afterEach(() => diag.reset());

describe('generateLogBuckets: exactly the lists of Dynamo reference §2.7', () => {
  it.each([
    ['request duration', 'requestDuration', [0, 2, 4, 8, 16, 32, 64, 130, 260, 510]],
    [
      'ISL (and cached tokens)',
      'inputSequence',
      [0, 100, 210, 430, 870, 1800, 3600, 7400, 15000, 31000, 63000, 130000],
    ],
    ['OSL', 'outputSequence', [0, 100, 210, 430, 880, 1800, 3700, 7600, 16000, 32000]],
    [
      'TTFT',
      'ttft',
      [0, 0.0022, 0.0047, 0.01, 0.022, 0.047, 0.1, 0.22, 0.47, 1, 2.2, 4.7, 10, 22, 48, 100, 220, 480],
    ],
    ['ITL', 'itl', [0, 0.0019, 0.0035, 0.0067, 0.013, 0.024, 0.045, 0.084, 0.16, 0.3, 0.56, 1.1, 2]],
  ] as const)('%s', (_name, histogram, expected) => {
    expect(frontendHistogramBuckets(histogram)).toEqual(expected);
    const { min, max, count } = DEFAULT_LOG_BUCKET_LAYOUTS[histogram];
    expect(generateLogBuckets(min, max, count)).toEqual(expected);
  });

  it('(1, 100, 5) gives [0, 3.2, 10, 32, 100] (Dynamo unit test)', () => {
    expect(generateLogBuckets(1, 100, 5)).toEqual([0, 3.2, 10, 32, 100]);
  });

  it('count 0 gives [] and count 1 gives [0]; min itself is never a bucket', () => {
    expect(generateLogBuckets(1, 100, 0)).toEqual([]);
    expect(generateLogBuckets(1, 100, 1)).toEqual([0]);
    expect(generateLogBuckets(1, 100, 2)).toEqual([0, 100]);
  });

  it('removes consecutive duplicates and warns when more than 10% disappear', () => {
    const buckets = generateLogBuckets(1, 1.2, 20);
    expect(buckets).toEqual([0, 1, 1.1, 1.2]);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ level: 'warn', fields: { min: 1, max: 1.2, count: 20, removed: 16 } });
  });

  it('does not warn for the defaults', () => {
    for (const name of Object.keys(DEFAULT_LOG_BUCKET_LAYOUTS)) {
      frontendHistogramBuckets(name as keyof typeof DEFAULT_LOG_BUCKET_LAYOUTS);
    }
    expect(records).toEqual([]);
  });
});

describe('roundToTwoSignificantDigits', () => {
  it('rounds half away from zero like Rust f64::round', () => {
    expect(roundToTwoSignificantDigits(125)).toBe(130);
    expect(roundToTwoSignificantDigits(-125)).toBe(-130);
    expect(roundToTwoSignificantDigits(0.00125)).toBe(0.0013);
    expect(roundToTwoSignificantDigits(9.96)).toBe(10);
    expect(roundToTwoSignificantDigits(0)).toBe(0);
  });
});

describe('resolveLogBucketLayout: overrides', () => {
  it('uses a valid override, filling missing fields from the defaults', () => {
    expect(resolveLogBucketLayout('ttft', { min: 0.01, max: 10, count: 5 })).toEqual({
      min: 0.01,
      max: 10,
      count: 5,
    });
    expect(resolveLogBucketLayout('ttft', { count: 4 })).toEqual({ min: 0.001, max: 480, count: 4 });
    expect(frontendHistogramBuckets('requestDuration', { min: 1, max: 100, count: 5 })).toEqual([
      0, 3.2, 10, 32, 100,
    ]);
    expect(records).toEqual([]);
  });

  it.each([
    ['min 0', { min: 0 }, /min must be greater than 0/],
    ['negative min', { min: -1 }, /min must be greater than 0/],
    ['min equal to max', { min: 5, max: 5 }, /min must be less than max/],
    ['min above max', { min: 600 }, /min must be less than max/],
    ['infinite max', { max: Number.POSITIVE_INFINITY }, /finite/],
    ['NaN min', { min: Number.NaN }, /finite/],
    ['count 0', { count: 0 }, /count must be an integer from 1 to 512/],
    ['count 513', { count: 513 }, /count/],
    ['fractional count', { count: 2.5 }, /count/],
  ])(
    'an invalid override (%s) falls back to all three defaults with a warning',
    (_name, override, message) => {
      expect(resolveLogBucketLayout('requestDuration', { count: 7, ...override })).toEqual({
        min: 1,
        max: 512,
        count: 10,
      });
      expect(records).toHaveLength(1);
      expect(records[0]?.message).toMatch(message);
      expect(records[0]?.fields).toMatchObject({ variables: 'DYN_METRICS_REQUEST_DURATION_{MIN,MAX,COUNT}' });
    },
  );

  it('count 1 and 512 are accepted', () => {
    expect(frontendHistogramBuckets('itl', { count: 1 })).toEqual([0]);
    expect(frontendHistogramBuckets('itl', { min: 1, max: 1e6, count: 512 }).length).toBeGreaterThan(100);
  });
});
