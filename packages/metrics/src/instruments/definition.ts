import { DynotelError } from '@dynotel/core';
import type { MetricsErrorCode } from '../errors.ts';
import { buildComponentMetricName } from '../naming/sanitize.ts';
import { isValidLabelName, isValidMetricName } from '../naming/validate.ts';
import { normaliseLabelValue, replaceLoneSurrogates } from './label-value.ts';

export type MetricType = 'counter' | 'gauge' | 'histogram';

/** Options shared by counter, gauge and histogram. */
export interface MetricOptions {
  /** The name before prefixing; sanitised the Dynamo way when `prefix` is on. */
  readonly name: string;
  readonly help: string;
  /** Variable label names, in the order `.labels(...)` takes the values. */
  readonly labelNames?: readonly string[];
  readonly constLabels?: Readonly<Record<string, string>>;
  /** Default true: the exported name is `dynamo_component_<sanitised name>`. Off: `name` is used as is and must be valid. */
  readonly prefix?: boolean;
  /** Default true: the level's dynamo_namespace / dynamo_component / dynamo_endpoint / worker_id labels. */
  readonly autoLabels?: boolean;
  /** Series limit of this metric; default the root's `seriesLimit`. */
  readonly seriesLimit?: number;
}

export interface HistogramOptions extends MetricOptions {
  /** Upper bounds, strictly increasing; `+Inf` is implied. Default: the Rust prometheus defaults. */
  readonly buckets?: readonly number[];
}

/** The Rust `prometheus` crate's default buckets, which Dynamo's hierarchy histograms use (reference §2.3). */
export const DEFAULT_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

/** Label names Dynamo adds itself (`metrics.rs` L233-263). */
export const AUTO_LABEL_NAMES: readonly string[] = Object.freeze([
  'dynamo_namespace',
  'dynamo_component',
  'dynamo_endpoint',
  'worker_id',
]);

/** What a level hands to the metrics it creates. */
export interface LevelContext {
  readonly autoLabels: ReadonlyArray<readonly [string, string]>;
  readonly seriesLimit: number;
  readonly maxLabelValueLength: number;
  readonly exemplars: boolean;
}

export interface MetricDefinition {
  readonly type: MetricType;
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  /** Auto labels then the caller's const labels, values normalised. */
  readonly constLabels: ReadonlyArray<readonly [string, string]>;
  readonly bounds: Float64Array | undefined;
  readonly seriesLimit: number;
  /** Everything that makes two definitions the same metric. */
  readonly identity: string;
}

function fail(code: MetricsErrorCode, message: string, details: Record<string, unknown>): never {
  throw new DynotelError(code, message, { details });
}

/**
 * Validates a metric's options in Dynamo's order (`create_metric`, reference §2.3) and with its messages:
 * duplicate keys, then reserved const labels, then reserved variable labels. Everything is checked here,
 * once, so recording never has to.
 */
export function defineMetric(
  type: MetricType,
  options: MetricOptions | HistogramOptions,
  level: LevelContext,
): MetricDefinition {
  if (typeof options !== 'object' || options === null) {
    fail('ERR_DYNOTEL_METRICS_INVALID_OPTION', `${type} options must be an object`, { options });
  }
  const { name: rawName, help: rawHelp } = options;
  const useAutoLabels = options.autoLabels ?? true;
  const usePrefix = options.prefix ?? true;
  const labelNames = [...(options.labelNames ?? [])];
  const constEntries = Object.entries(options.constLabels ?? {});

  if (typeof rawName !== 'string') {
    fail('ERR_DYNOTEL_METRICS_INVALID_NAME', `metric name must be a string, got ${typeof rawName}`, {
      name: rawName,
    });
  }
  let name: string | undefined;
  if (usePrefix) {
    name = buildComponentMetricName(rawName);
    if (name === undefined) {
      fail(
        'ERR_DYNOTEL_METRICS_INVALID_NAME',
        `metric name should be valid or sanitizable: '${rawName}' is empty or sanitises to only underscores`,
        { name: rawName },
      );
    }
  } else {
    if (!isValidMetricName(rawName)) {
      fail(
        'ERR_DYNOTEL_METRICS_INVALID_NAME',
        `metric name '${rawName}' is invalid: with prefix off it must match [a-zA-Z_:][a-zA-Z0-9_:]*`,
        { name: rawName },
      );
    }
    name = rawName;
  }
  if (typeof rawHelp !== 'string' || rawHelp.length === 0) {
    fail('ERR_DYNOTEL_METRICS_INVALID_OPTION', `help of metric '${name}' must be a non-empty string`, {
      name,
      help: rawHelp,
    });
  }
  // An unpaired surrogate would make the HELP line invalid UTF-8, which strict parsers reject: it becomes
  // U+FFFD, exactly as in label values.
  const help = replaceLoneSurrogates(rawHelp);

  const seen = new Set<string>();
  for (const key of [...constEntries.map(([key]) => key), ...labelNames]) {
    if (seen.has(key)) {
      fail('ERR_DYNOTEL_METRICS_DUPLICATE_LABEL', `Duplicate label key '${key}' found in labels`, {
        name,
        key,
      });
    }
    seen.add(key);
  }
  if (useAutoLabels) {
    for (const [key] of constEntries) {
      if (AUTO_LABEL_NAMES.includes(key)) {
        fail(
          'ERR_DYNOTEL_METRICS_RESERVED_LABEL',
          `Label '${key}' is automatically added by auto-label injection and cannot be manually set`,
          { name, key },
        );
      }
    }
    for (const key of labelNames) {
      if (AUTO_LABEL_NAMES.includes(key)) {
        fail(
          'ERR_DYNOTEL_METRICS_RESERVED_LABEL',
          `Variable label name '${key}' conflicts with auto-injected const label and cannot be used`,
          { name, key },
        );
      }
    }
  }
  for (const key of seen) {
    if (typeof key !== 'string' || !isValidLabelName(key)) {
      fail(
        'ERR_DYNOTEL_METRICS_INVALID_LABEL_NAME',
        `label name '${String(key)}' of metric '${name}' is invalid: it must match [a-zA-Z_][a-zA-Z0-9_]* and not start with __`,
        { name, key },
      );
    }
    if (type === 'histogram' && (key === 'le' || key === 'quantile')) {
      fail(
        'ERR_DYNOTEL_METRICS_RESERVED_LABEL',
        `label '${key}' is reserved on histogram '${name}': the encoder writes le itself and quantile belongs to summaries`,
        { name, key },
      );
    }
    if (key === 'quantile' && type !== 'gauge') {
      fail(
        'ERR_DYNOTEL_METRICS_RESERVED_LABEL',
        `label 'quantile' is reserved for summaries (metric '${name}')`,
        {
          name,
          key,
        },
      );
    }
  }

  const constLabels: Array<readonly [string, string]> = useAutoLabels ? [...level.autoLabels] : [];
  for (const [key, value] of constEntries) {
    constLabels.push([key, normaliseLabelValue(value, level.maxLabelValueLength).value]);
  }
  const bounds = type === 'histogram' ? checkBuckets(name, (options as HistogramOptions).buckets) : undefined;
  const seriesLimit = options.seriesLimit ?? level.seriesLimit;
  if (!Number.isSafeInteger(seriesLimit) || seriesLimit < 1) {
    fail('ERR_DYNOTEL_METRICS_INVALID_OPTION', `seriesLimit of '${name}' must be a positive integer`, {
      name,
      seriesLimit,
    });
  }
  const identity = JSON.stringify([
    type,
    name,
    help,
    labelNames,
    [...constLabels].sort(),
    bounds === undefined ? null : [...bounds],
    seriesLimit,
  ]);
  return { type, name, help, labelNames, constLabels, bounds, seriesLimit, identity };
}

function checkBuckets(name: string, buckets: readonly number[] | undefined): Float64Array {
  const list = [...(buckets ?? DEFAULT_BUCKETS)];
  if (list.at(-1) === Infinity) list.pop(); // +Inf is always there; accept it spelled out
  const bad = list.findIndex(
    (bound, index) =>
      typeof bound !== 'number' ||
      !Number.isFinite(bound) ||
      (index > 0 && bound <= (list[index - 1] as number)),
  );
  if (list.length === 0 || bad >= 0) {
    fail(
      'ERR_DYNOTEL_METRICS_INVALID_BUCKETS',
      `buckets of histogram '${name}' must be a non-empty list of finite, strictly increasing numbers; got [${String(buckets)}]`,
      { name, buckets },
    );
  }
  return Float64Array.from(list);
}
