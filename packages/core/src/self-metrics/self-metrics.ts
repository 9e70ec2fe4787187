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

class SelfMetric implements SelfGauge {
  readonly series = new Map<string, { labels: Readonly<Record<string, string>>; value: number }>();

  readonly name: string;
  readonly help: string;
  readonly type: SelfMetricType;

  constructor(name: string, help: string, type: SelfMetricType) {
    this.name = name;
    this.help = help;
    this.type = type;
  }

  #entry(labels: Readonly<Record<string, string>> | undefined) {
    const key = labels === undefined ? '' : JSON.stringify(Object.entries(labels).sort());
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
    const key = labels === undefined ? '' : JSON.stringify(Object.entries(labels).sort());
    return this.series.get(key)?.value ?? 0;
  }
}

class SelfMetricsRegistry {
  readonly #metrics = new Map<string, SelfMetric>();

  #define(name: string, help: string, type: SelfMetricType): SelfMetric {
    if (!SELF_METRIC_NAME.test(name))
      throw new TypeError(`self-metric name '${name}' must match ${SELF_METRIC_NAME}`);
    const existing = this.#metrics.get(name);
    if (existing !== undefined) {
      if (existing.type !== type) throw new TypeError(`self-metric '${name}' is already a ${existing.type}`);
      return existing;
    }
    const metric = new SelfMetric(name, help, type);
    this.#metrics.set(name, metric);
    return metric;
  }

  /** Defines (or returns the existing) self counter. Counter names end in `_total`. */
  counter(name: string, help: string): SelfCounter {
    if (!name.endsWith('_total')) throw new TypeError(`self counter '${name}' must end in _total`);
    return this.#define(name, help, 'counter');
  }

  gauge(name: string, help: string): SelfGauge {
    return this.#define(name, help, 'gauge');
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

  /** Zeroes every series (tests). Definitions stay. */
  reset(): void {
    for (const metric of this.#metrics.values()) metric.series.clear();
  }
}

export type { SelfMetricsRegistry };

/** The process-wide self-metrics registry. */
export const selfMetrics: SelfMetricsRegistry = processSingleton(
  'dynotel.selfMetrics',
  () => new SelfMetricsRegistry(),
);
