import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { retryDelayFromStatusDetails } from '../src/export/retry-info.ts';
import {
  backoffDelayMs,
  grpcCodeName,
  isRetryableGrpcCode,
  isRetryableHttpStatus,
  parseRetryAfter,
} from '../src/export/retry-policy.ts';

// The retry classification of opentelemetry-proto docs/specification.md ("Failures"), the backoff,
// and the RetryInfo reader. The end-to-end behaviour is in otlp-faults.test.ts.

describe('classification', () => {
  test('retryable gRPC codes are exactly the spec list; RESOURCE_EXHAUSTED only with RetryInfo', () => {
    const retryable = Array.from({ length: 17 }, (_, code) => code)
      .filter((code) => isRetryableGrpcCode(code, false))
      .map(grpcCodeName);
    expect(retryable).toEqual([
      'CANCELLED',
      'DEADLINE_EXCEEDED',
      'ABORTED',
      'OUT_OF_RANGE',
      'UNAVAILABLE',
      'DATA_LOSS',
    ]);
    expect(isRetryableGrpcCode(8, false)).toBe(false);
    expect(isRetryableGrpcCode(8, true)).toBe(true);
    expect(isRetryableGrpcCode(3, true)).toBe(false);
  });

  test('retryable HTTP statuses are 429, 502, 503, 504', () => {
    const retryable = Array.from({ length: 500 }, (_, i) => i + 100).filter(isRetryableHttpStatus);
    expect(retryable).toEqual([429, 502, 503, 504]);
  });

  test('Retry-After in seconds or as a date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
  });
});

describe('backoff', () => {
  const settings = { initialBackoffMs: 100, maxBackoffMs: 1000, backoffMultiplier: 2 };

  test('grows exponentially to the cap, within ±20 % jitter', () => {
    expect(backoffDelayMs(1, settings, () => 0.5)).toBe(100);
    expect(backoffDelayMs(2, settings, () => 0.5)).toBe(200);
    expect(backoffDelayMs(5, settings, () => 0.5)).toBe(1000);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, r) => {
          const base = Math.min(1000, 100 * 2 ** (attempt - 1));
          const delay = backoffDelayMs(attempt, settings, () => r);
          expect(delay).toBeGreaterThanOrEqual(base * 0.8);
          expect(delay).toBeLessThanOrEqual(base * 1.2);
        },
      ),
    );
  });
});

describe('retryDelayFromStatusDetails', () => {
  // google.rpc.Status { code: 14, details: [Any { type_url: RetryInfo, value: RetryInfo { retry_delay: 1.5 s } }] }
  const typeUrl = Buffer.from('type.googleapis.com/google.rpc.RetryInfo');
  const duration = Buffer.from([0x08, 0x01, 0x10, 0x80, 0xca, 0xb5, 0xee, 0x01]); // seconds 1, nanos 5e8
  const retryInfo = Buffer.concat([Buffer.from([0x0a, duration.length]), duration]);
  const any = Buffer.concat([
    Buffer.from([0x0a, typeUrl.length]),
    typeUrl,
    Buffer.from([0x12, retryInfo.length]),
    retryInfo,
  ]);
  const status = Buffer.concat([Buffer.from([0x08, 0x0e, 0x1a, any.length]), any]);

  test('reads the retry delay', () => {
    expect(retryDelayFromStatusDetails(status)).toBe(1500);
  });

  test('no RetryInfo detail, or no details at all, is undefined', () => {
    expect(retryDelayFromStatusDetails(undefined)).toBeUndefined();
    expect(retryDelayFromStatusDetails(Buffer.from([0x08, 0x0e]))).toBeUndefined();
    const otherAny = Buffer.concat([Buffer.from([0x0a, 5]), Buffer.from('other')]);
    expect(
      retryDelayFromStatusDetails(Buffer.concat([Buffer.from([0x1a, otherAny.length]), otherAny])),
    ).toBeUndefined();
  });

  test('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const delay = retryDelayFromStatusDetails(bytes);
        expect(delay === undefined || (Number.isFinite(delay) && delay >= 0)).toBe(true);
      }),
    );
  });
});
