import { DynotelError } from '../errors/dynotel-error.ts';
import { processSingleton } from '../internal/process-singleton.ts';

/**
 * Self-telemetry: counters and gauges that dynotel keeps about itself (spans dropped, log lines
 * dropped, series over the cardinality limit, failing callbacks). Every package records here without
 * depending on @dynotel/metrics; the metrics package exposes them on /metrics as `dynotel_*` families.
 */
export type SelfMetricType = 'counter' | 'gauge';

export interface SelfMetricSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface SelfMetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: SelfMetricType;
  readonly samples: readonly SelfMetricSample[];
}

export interface SelfCounter {
  /** Adds `value` (default 1) to the series with these label values. */
  inc(labels?: Readonly<Record<string, string>>, value?: number): void;
  /** The current value of one series (tests and summaries). */
  get(labels?: Readonly<Record<string, string>>): number;
}

export interface SelfGauge extends SelfCounter {
  set(labels: Readonly<Record<string, string>> | undefined, value: number): void;
}

const SELF_METRIC_NAME = /^dynotel_[a-z0-9_]+$/;

export interface SelfMetricOptions {
  /**
   * Label sets that exist at 0 from the start (`[{}]` for an unlabelled counter, one per reason for a
   * drop counter): a series that first appears at 1 is invisible to `rate()`/`increase()`, so an alert on
   * the first drop would never fire.
   */
  readonly initial?: ReadonlyArray<Readonly<Record<string, string>>>;
}

/** One key per label set, whatever the order of its keys; no labels and `{}` are the same series. */
function seriesKey(labels: Readonly<Record<string, string>> | undefined): string {
  if (labels === undefined) return '';
  const names = Object.keys(labels);
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]}\u0000${labels[names[0]!]}`;
  return names
    .sort()
    .map((name) => `${name}\u0000${labels[name]}`)
    .join('\u0001');
}

class SelfMetric implements SelfGauge {
  readonly series = new Map<string, { labels: Readonly<Record<string, string>>; value: number }>();

  readonly name: string;
  readonly help: string;
  readonly type: SelfMetricType;
  readonly #initial: ReadonlyArray<Readonly<Record<string, string>>>;

  constructor(
    name: string,
    help: string,
    type: SelfMetricType,
    initial: ReadonlyArray<Readonly<Record<string, string>>>,
  ) {
    this.name = name;
    this.help = help;
    this.type = type;
    this.#initial = initial;
    this.clear();
  }

  /** Forgets every series but the initial ones, which go back to 0. */
  clear(): void {
    this.series.clear();
    for (const labels of this.#initial) this.set(labels, 0);
  }

  #entry(labels: Readonly<Record<string, string>> | undefined) {
    const key = seriesKey(labels);
    let entry = this.series.get(key);
    if (entry === undefined) {
      entry = { labels: { ...labels }, value: 0 };
      this.series.set(key, entry);
    }
    return entry;
  }

  inc(labels?: Readonly<Record<string, string>>, value = 1): void {
    this.#entry(labels).value += value;
  }

  set(labels: Readonly<Record<string, string>> | undefined, value: number): void {
    this.#entry(labels).value = value;
  }

  get(labels?: Readonly<Record<string, string>>): number {
    const key = seriesKey(labels);
    return this.series.get(key)?.value ?? 0;
  }
}

function invalidSelfMetric(name: string, message: string): DynotelError<'ERR_DYNOTEL_SELF_METRIC_INVALID'> {
  return new DynotelError('ERR_DYNOTEL_SELF_METRIC_INVALID', message, { details: { name } });
}

class SelfMetricsRegistry {
  readonly #metrics = new Map<string, SelfMetric>();

  #define(name: string, help: string, type: SelfMetricType, options: SelfMetricOptions): SelfMetric {
    if (!SELF_METRIC_NAME.test(name))
      throw invalidSelfMetric(name, `self-metric name '${name}' must match ${SELF_METRIC_NAME}`);
    const existing = this.#metrics.get(name);
    if (existing !== undefined) {
      if (existing.type !== type)
        throw invalidSelfMetric(name, `self-metric '${name}' is already a ${existing.type}`);
      return existing;
    }
    const metric = new SelfMetric(name, help, type, options.initial ?? []);
    this.#metrics.set(name, metric);
    return metric;
  }

  /** Defines (or returns the existing) self counter. Counter names end in `_total`. */
  counter(name: string, help: string, options: SelfMetricOptions = {}): SelfCounter {
    if (!name.endsWith('_total')) throw invalidSelfMetric(name, `self counter '${name}' must end in _total`);
    return this.#define(name, help, 'counter', options);
  }

  gauge(name: string, help: string, options: SelfMetricOptions = {}): SelfGauge {
    return this.#define(name, help, 'gauge', options);
  }

  /** A consistent snapshot of every self-metric, sorted by name. */
  collect(): SelfMetricFamily[] {
    return [...this.#metrics.values()]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((metric) => ({
        name: metric.name,
        help: metric.help,
        type: metric.type,
        samples: [...metric.series.values()].map((s) => ({ labels: s.labels, value: s.value })),
      }));
  }

  /** Zeroes every series (tests). Definitions, and their initial label sets at 0, stay. */
  reset(): void {
    for (const metric of this.#metrics.values()) metric.clear();
  }
}

export type { SelfMetricsRegistry };

/** The process-wide self-metrics registry. */
export const selfMetrics: SelfMetricsRegistry = processSingleton(
  'dynotel.selfMetrics',
  () => new SelfMetricsRegistry(),
);
