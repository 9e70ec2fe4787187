import { diag } from '@dynotel/core';

/**
 * Dynamo's `generate_log_buckets` (lib/llm/src/http/service/metrics.rs L120-184), reproduced exactly so
 * our frontend histograms have the same `le` values as Dynamo's and the same dashboards work.
 */

/** Rust's `f64::round`: half away from zero (JS `Math.round` rounds half towards +Infinity). */
function roundHalfAwayFromZero(value: number): number {
  return Math.sign(value) * Math.round(Math.abs(value));
}

/** Rounds to two significant digits, as Dynamo's `round2sig` does. */
export function roundToTwoSignificantDigits(value: number): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  const exponent = 1 - Math.floor(Math.log10(Math.abs(value)));
  // Only non-negative powers of ten are exact doubles, and `10 ** -4` even differs between V8 versions
  // (Node 22 gives 130000.00000000001 for the ISL list's last bucket): divide by 10^k instead of
  // multiplying by 10^-k.
  if (exponent >= 0) {
    const scale = 10 ** exponent;
    return roundHalfAwayFromZero(value * scale) / scale;
  }
  const divisor = 10 ** -exponent;
  return roundHalfAwayFromZero(value / divisor) * divisor;
}

/**
 * Log-spaced buckets: `0`, then `count - 1` values from just above `min` up to `max`, each rounded to two
 * significant digits. `min` itself is never a bucket. Consecutive duplicates produced by the rounding are
 * removed, with a warning when more than 10% of the buckets disappear.
 */
export function generateLogBuckets(min: number, max: number, count: number): number[] {
  if (count <= 0) return [];
  if (count === 1) return [0];
  const logMin = Math.log(min);
  const logSpan = Math.log(max) - logMin;
  const buckets: number[] = [0];
  for (let i = 1; i < count; i++) {
    const bucket = roundToTwoSignificantDigits(Math.exp(logMin + (logSpan * i) / (count - 1)));
    if (bucket !== buckets[buckets.length - 1]) buckets.push(bucket);
  }
  const removed = count - buckets.length;
  if (removed > count * 0.1) {
    diag.warn('dynotel.metrics', 'log buckets lost more than 10% to rounding duplicates', {
      min,
      max,
      count,
      removed,
    });
  }
  return buckets;
}
