import { CounterChild } from './counter.ts';
import type { LevelContext, MetricDefinition, MetricType } from './definition.ts';
import { GaugeChild } from './gauge.ts';
import { HistogramChild } from './histogram.ts';
import { dropInvalid } from './invalid.ts';
import { LabelLayout } from './label-layout.ts';
import { type Series, SeriesStore } from './series-store.ts';

/**
 * A metric: its definition and its series. Without variable labels it has exactly one series, used by
 * `inc`/`set`/`observe` directly. With variable labels `.labels(...values)` returns the cached child.
 * A call with the wrong number of values (or a direct record on a labelled metric) lands on a detached
 * child that is never exported, and is counted: a mistake in instrumentation must not throw into a request.
 */
export abstract class Metric<S extends Series> {
  readonly type: MetricType;
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  /** @internal */
  readonly definition: MetricDefinition;
  readonly #single: S | undefined;
  readonly #store: SeriesStore<S> | undefined;
  readonly #detached: S;

  /** @internal */
  constructor(definition: MetricDefinition, level: LevelContext, create: (labelText: string) => S) {
    this.definition = definition;
    this.type = definition.type;
    this.name = definition.name;
    this.help = definition.help;
    this.labelNames = definition.labelNames;
    const layout = new LabelLayout(definition.constLabels, definition.labelNames);
    if (definition.labelNames.length === 0) {
      this.#single = create(layout.constText);
    } else {
      this.#store = new SeriesStore(
        definition.name,
        layout,
        create,
        definition.seriesLimit,
        level.maxLabelValueLength,
      );
    }
    this.#detached = create('');
  }

  /** The child for these label values, in `labelNames` order. Cached: call it per request freely. */
  labels(...values: string[]): S {
    const store = this.#store;
    if (store !== undefined && values.length === this.labelNames.length) return store.get(values);
    if (store === undefined && values.length === 0) return this.#single as S;
    dropInvalid(this.name, `expected ${this.labelNames.length} label values`, values.length);
    return this.#detached;
  }

  /** The unlabelled series (or the detached child of a labelled metric, counted as misuse). */
  protected get single(): S {
    if (this.#single !== undefined) return this.#single;
    dropInvalid(this.name, `expected ${this.labelNames.length} label values`, 0);
    return this.#detached;
  }

  /** @internal Live list of the exported series, in creation order. */
  series(): readonly S[] {
    return this.#single !== undefined ? [this.#single] : (this.#store?.children ?? []);
  }
}

export class Counter extends Metric<CounterChild> {
  /** @internal Use `level.counter()`, `.gauge()`, `.histogram()`. */
  constructor(definition: MetricDefinition, level: LevelContext) {
    super(definition, level, (labelText) => new CounterChild(definition.name, labelText, level.exemplars));
  }

  inc(value?: number): void {
    this.single.inc(value);
  }

  /** Value of the unlabelled series (tests, summaries). */
  get(): number {
    return this.single.value;
  }
}

export class Gauge extends Metric<GaugeChild> {
  /** @internal Use `level.counter()`, `.gauge()`, `.histogram()`. */
  constructor(definition: MetricDefinition, level: LevelContext) {
    super(definition, level, (labelText) => new GaugeChild(definition.name, labelText));
  }

  set(value: number): void {
    this.single.set(value);
  }

  inc(value?: number): void {
    this.single.inc(value);
  }

  dec(value?: number): void {
    this.single.dec(value);
  }

  get(): number {
    return this.single.value;
  }
}

export class Histogram extends Metric<HistogramChild> {
  readonly buckets: readonly number[];

  /** @internal Use `level.counter()`, `.gauge()`, `.histogram()`. */
  constructor(definition: MetricDefinition, level: LevelContext) {
    const bounds = definition.bounds ?? new Float64Array();
    super(
      definition,
      level,
      (labelText) => new HistogramChild(definition.name, labelText, bounds, level.exemplars),
    );
    this.buckets = Object.freeze([...bounds]);
  }

  observe(value: number): void {
    this.single.observe(value);
  }
}

export type AnyMetric = Counter | Gauge | Histogram;
export type { CounterChild, GaugeChild, HistogramChild };
