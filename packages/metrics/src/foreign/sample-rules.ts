import { isHistogramType, sampleSuffix } from './family-rules.ts';
import type { ExpositionFormat, ExpositionSample, MetricFamilyType } from './model.ts';
import { seriesKeyWithout } from './series-key.ts';
import { parseFloatToken } from './syntax.ts';

export interface SampleProblem {
  /** Index of the sample the problem is reported on. */
  readonly sampleIndex: number;
  readonly message: string;
}

interface HistogramGroup {
  lastLe: number;
  lastBucket: number;
  lastIndex: number;
  infValue: number | undefined;
  count: number | undefined;
  countIndex: number;
  hasBuckets: boolean;
}

const isCountLike = (value: number): boolean => !Number.isNaN(value) && value >= 0;

/**
 * Type-specific rules for the samples of one family: `le` on histogram buckets only, `quantile` on summary
 * quantiles only, buckets cumulative in increasing `le` order ending in `+Inf` equal to `_count`, counts and
 * buckets never negative or NaN, OpenMetrics counters never negative or NaN, exemplars only where allowed.
 */
export function checkFamilySamples(
  format: ExpositionFormat,
  type: MetricFamilyType,
  familyName: string,
  samples: readonly ExpositionSample[],
): SampleProblem | undefined {
  const checker = new FamilySampleChecker(format, type, familyName);
  for (let index = 0; index < samples.length; index++) {
    const problem = checker.check(samples[index] as ExpositionSample, index);
    if (problem !== undefined) return problem;
  }
  return checker.finish();
}

/**
 * The same rules one sample at a time, so the parser can check a family while it reads it (a family of a
 * million samples is then never checked in one synchronous block).
 */
export class FamilySampleChecker {
  readonly #format: ExpositionFormat;
  readonly #type: MetricFamilyType;
  readonly #familyName: string;
  readonly #om: boolean;
  readonly #groups = new Map<string, HistogramGroup>();

  constructor(format: ExpositionFormat, type: MetricFamilyType, familyName: string) {
    this.#format = format;
    this.#type = type;
    this.#familyName = familyName;
    this.#om = format === 'openmetrics';
  }

  check(sample: ExpositionSample, index: number): SampleProblem | undefined {
    const format = this.#format;
    const type = this.#type;
    const familyName = this.#familyName;
    const om = this.#om;
    const groups = this.#groups;
    const suffix = sampleSuffix(format, type, familyName, sample.name) ?? '';
    const problem = (message: string): SampleProblem => ({
      sampleIndex: index,
      message: `${sample.name}: ${message}`,
    });
    const le = sample.labels.find((label) => label.name === 'le');
    const quantile = sample.labels.find((label) => label.name === 'quantile');

    if (sample.exemplar !== undefined) {
      const allowed =
        (type === 'counter' && suffix === '_total') || (isHistogramType(type) && suffix === '_bucket');
      if (!allowed) return problem('exemplars are only allowed on counter totals and histogram buckets');
    }
    if (om && type === 'counter' && suffix === '_total' && !isCountLike(sample.value)) {
      return problem('a counter total must not be negative or NaN');
    }
    if (om && type === 'stateset' && sample.value !== 0 && sample.value !== 1) {
      return problem('a stateset value must be 0 or 1');
    }

    if (isHistogramType(type)) {
      const isBucket = suffix === '_bucket';
      if (isBucket !== (le !== undefined)) {
        return problem(isBucket ? "a bucket needs an 'le' label" : "only buckets may carry an 'le' label");
      }
      const key = seriesKeyWithout('', sample.labels, 'le');
      let group = groups.get(key);
      if (group === undefined) {
        group = {
          lastLe: Number.NEGATIVE_INFINITY,
          lastBucket: 0,
          lastIndex: index,
          infValue: undefined,
          count: undefined,
          countIndex: index,
          hasBuckets: false,
        };
        groups.set(key, group);
      }
      group.lastIndex = index;
      if (isBucket) {
        const bound = parseFloatToken((le as { value: string }).value);
        if (bound === undefined || Number.isNaN(bound)) return problem(`invalid 'le' value '${le?.value}'`);
        if (!isCountLike(sample.value)) return problem('a bucket must not be negative or NaN');
        if (om && !Number.isInteger(sample.value)) return problem('a bucket count must be an integer');
        if (group.infValue !== undefined || bound <= group.lastLe) {
          return problem("buckets must be in strictly increasing 'le' order, with '+Inf' last");
        }
        if (sample.value < group.lastBucket)
          return problem('bucket counts must not decrease as le increases');
        group.lastLe = bound;
        group.lastBucket = sample.value;
        group.hasBuckets = true;
        if (bound === Number.POSITIVE_INFINITY) group.infValue = sample.value;
      } else if (suffix === '_count' || suffix === '_gcount') {
        if (!isCountLike(sample.value)) return problem('a count must not be negative or NaN');
        if (om && !Number.isInteger(sample.value)) return problem('a count must be an integer');
        group.count = sample.value;
        group.countIndex = index;
      }
    } else if (type === 'summary') {
      const isQuantile = suffix === '';
      if (isQuantile !== (quantile !== undefined)) {
        return problem(
          isQuantile
            ? "a summary quantile needs a 'quantile' label"
            : "only quantiles may carry a 'quantile' label",
        );
      }
      if (quantile !== undefined) {
        const q = parseFloatToken(quantile.value);
        if (q === undefined || Number.isNaN(q) || (om && (q < 0 || q > 1))) {
          return problem(`invalid 'quantile' value '${quantile.value}'`);
        }
      }
      if (suffix === '_count' && !isCountLike(sample.value))
        return problem('a count must not be negative or NaN');
    }
    return undefined;
  }

  finish(): SampleProblem | undefined {
    const familyName = this.#familyName;
    for (const group of this.#groups.values()) {
      if (group.hasBuckets || this.#om) {
        if (group.infValue === undefined) {
          return {
            sampleIndex: group.lastIndex,
            message: `${familyName}: histogram has no le="+Inf" bucket`,
          };
        }
        if (group.count !== undefined && group.count !== group.infValue) {
          return {
            sampleIndex: group.countIndex,
            message: `${familyName}: _count must equal the le="+Inf" bucket`,
          };
        }
      }
    }
    return undefined;
  }
}
