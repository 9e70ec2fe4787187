import { diag } from '@dynotel/core';
import { generateLogBuckets } from './log-buckets.ts';

/** A log-bucket layout: `generateLogBuckets(min, max, count)`. */
export interface LogBucketLayout {
  readonly min: number;
  readonly max: number;
  readonly count: number;
}

/** An override as resolved from configuration; any field may be missing. */
export interface LogBucketOverride {
  readonly min?: number | undefined;
  readonly max?: number | undefined;
  readonly count?: number | undefined;
}

/** The frontend histograms whose layout Dynamo makes configurable (`DYN_METRICS_<H>_{MIN,MAX,COUNT}`). */
export type FrontendHistogramName = 'requestDuration' | 'inputSequence' | 'outputSequence' | 'ttft' | 'itl';

/** Dynamo's defaults (lib/llm/src/http/service/metrics.rs L533-605). Cached tokens use the ISL layout. */
export const DEFAULT_LOG_BUCKET_LAYOUTS: Readonly<Record<FrontendHistogramName, LogBucketLayout>> =
  Object.freeze({
    requestDuration: Object.freeze({ min: 1, max: 512, count: 10 }),
    inputSequence: Object.freeze({ min: 50, max: 128_000, count: 12 }),
    outputSequence: Object.freeze({ min: 50, max: 32_000, count: 10 }),
    ttft: Object.freeze({ min: 0.001, max: 480, count: 18 }),
    itl: Object.freeze({ min: 0.001, max: 2, count: 13 }),
  });

/** The environment variable stem of each histogram, for messages (`DYN_METRICS_<stem>_MIN`). */
export const FRONTEND_HISTOGRAM_ENV_STEMS: Readonly<Record<FrontendHistogramName, string>> = Object.freeze({
  requestDuration: 'REQUEST_DURATION',
  inputSequence: 'INPUT_SEQUENCE',
  outputSequence: 'OUTPUT_SEQUENCE',
  ttft: 'TTFT',
  itl: 'ITL',
});

export const MAX_LOG_BUCKET_COUNT = 512;

/**
 * Why an override is rejected, or `undefined` when it is valid. Dynamo's rules: min and max finite,
 * `min > 0`, `min < max`, count an integer in 1..512.
 */
export function logBucketLayoutProblem(layout: LogBucketLayout): string | undefined {
  const { min, max, count } = layout;
  if (!Number.isFinite(min) || !Number.isFinite(max)) return 'min and max must be finite numbers';
  if (!(min > 0)) return 'min must be greater than 0';
  if (!(min < max)) return 'min must be less than max';
  if (!Number.isInteger(count) || count < 1 || count > MAX_LOG_BUCKET_COUNT) {
    return `count must be an integer from 1 to ${MAX_LOG_BUCKET_COUNT}`;
  }
  return undefined;
}

/**
 * Merges an override onto the default layout of `histogram`. Any invalid value makes all three fall back
 * to the defaults (Dynamo's behaviour), with a warning naming the histogram, the values and the rule.
 */
export function resolveLogBucketLayout(
  histogram: FrontendHistogramName,
  override?: LogBucketOverride,
): LogBucketLayout {
  const defaults = DEFAULT_LOG_BUCKET_LAYOUTS[histogram];
  if (override === undefined) return defaults;
  const candidate: LogBucketLayout = {
    min: override.min ?? defaults.min,
    max: override.max ?? defaults.max,
    count: override.count ?? defaults.count,
  };
  const problem = logBucketLayoutProblem(candidate);
  if (problem === undefined) return candidate;
  diag.warn('dynotel.metrics', `invalid bucket layout for ${histogram}: ${problem}; using the defaults`, {
    variables: `DYN_METRICS_${FRONTEND_HISTOGRAM_ENV_STEMS[histogram]}_{MIN,MAX,COUNT}`,
    min: candidate.min,
    max: candidate.max,
    count: candidate.count,
    defaults,
  });
  return defaults;
}

/** The bucket list of one frontend histogram, with an optional override. */
export function frontendHistogramBuckets(
  histogram: FrontendHistogramName,
  override?: LogBucketOverride,
): number[] {
  const { min, max, count } = resolveLogBucketLayout(histogram, override);
  return generateLogBuckets(min, max, count);
}
