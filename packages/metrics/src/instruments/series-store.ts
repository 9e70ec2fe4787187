import { diag } from '@dynotel/core';
import { seriesOverflow } from '../self-metrics.ts';
import type { LabelLayout } from './label-layout.ts';
import { normaliseLabelValue } from './label-value.ts';

/** What a store needs to know about a series: its canonical label text. */
export interface Series {
  /** @internal */
  readonly labelText: string;
}

/**
 * The label children of one metric. Lookup walks a tree of Maps keyed by the raw values, so a cached child
 * costs one Map.get per label and no allocation (no joined key string). A miss normalises the values,
 * renders the label text and checks the series limit: past it, every new label set goes to one overflow
 * series and is counted (the OpenTelemetry SDK's cardinality rule, standards §2.3). Overflow and truncated
 * values are never cached in the tree, so hostile values cannot grow memory.
 */
export class SeriesStore<S extends Series> {
  readonly children: S[] = [];
  readonly #tree = new Map<string, unknown>();
  readonly #byText = new Map<string, S>();
  readonly #layout: LabelLayout;
  readonly #create: (labelText: string) => S;
  readonly #limit: number;
  readonly #maxLabelValueLength: number;
  readonly #overflowLabels: Readonly<Record<string, string>>;
  #overflow: S | undefined;

  constructor(
    metricName: string,
    layout: LabelLayout,
    create: (labelText: string) => S,
    limit: number,
    maxLabelValueLength: number,
  ) {
    this.#layout = layout;
    this.#create = create;
    this.#limit = limit;
    this.#maxLabelValueLength = maxLabelValueLength;
    this.#overflowLabels = { metric: metricName };
  }

  get(values: readonly string[]): S {
    const last = values.length - 1;
    let node: Map<string, unknown> | undefined = this.#tree;
    for (let i = 0; i < last && node !== undefined; i++) {
      node = node.get(values[i] as string) as Map<string, unknown> | undefined;
    }
    const hit = node?.get(values[last] as string) as S | undefined;
    return hit ?? this.#miss(values);
  }

  #miss(values: readonly string[]): S {
    const normalised: string[] = [];
    let cacheable = true;
    for (const raw of values) {
      const { value, truncated } = normaliseLabelValue(raw, this.#maxLabelValueLength);
      if (truncated || value !== raw) cacheable = false;
      normalised.push(value);
    }
    const labelText = this.#layout.render(normalised);
    let child = this.#byText.get(labelText);
    if (child === undefined) {
      if (this.children.length >= this.#limit) return this.#overflowChild();
      child = this.#create(labelText);
      this.children.push(child);
      this.#byText.set(labelText, child);
    }
    if (cacheable) this.#remember(values, child);
    return child;
  }

  #remember(values: readonly string[], child: S): void {
    let node = this.#tree;
    const last = values.length - 1;
    for (let i = 0; i < last; i++) {
      const key = values[i] as string;
      let next = node.get(key) as Map<string, unknown> | undefined;
      if (next === undefined) {
        next = new Map();
        node.set(key, next);
      }
      node = next;
    }
    node.set(values[last] as string, child);
  }

  #overflowChild(): S {
    seriesOverflow.inc(this.#overflowLabels);
    if (this.#overflow === undefined) {
      diag.once(`dynotel.metrics.overflow.${this.#overflowLabels.metric}`, {
        level: 'warn',
        target: 'dynotel.metrics',
        message: 'metric reached its series limit; new label sets go to the overflow series',
        fields: { metric: this.#overflowLabels.metric, seriesLimit: this.#limit },
      });
      this.#overflow = this.#create(this.#layout.overflowText);
      this.children.push(this.#overflow);
    }
    return this.#overflow;
  }
}
