import type { HistogramPoint } from '../model/family.ts';
import { activeSampledSpan } from './exemplar.ts';
import { dropInvalid } from './invalid.ts';
import type { Series } from './series-store.ts';

/**
 * One histogram series. Counts are kept per bucket (not cumulative) in a Float64Array, with the +Inf
 * bucket last; the encoder accumulates them in one synchronous pass together with count and sum, so
 * every scrape sees `+Inf == _count` and monotonic buckets. Exemplars are kept per bucket, allocated
 * on the first sampled span.
 */
export class HistogramChild implements Series, HistogramPoint {
  /** @internal */
  readonly labelText: string;
  /** @internal */
  readonly metricName: string;
  /** @internal */
  readonly bounds: Float64Array;
  /** @internal */
  readonly counts: Float64Array;
  /** @internal */
  readonly exemplars: boolean;
  /** @internal */
  sum = 0;
  /** @internal */
  count = 0;
  /** @internal */
  exemplarTraceIds: Array<string | undefined> | undefined = undefined;
  /** @internal */
  exemplarSpanIds: string[] | undefined = undefined;
  /** @internal */
  exemplarValues: Float64Array | undefined = undefined;

  /** @internal */
  constructor(metricName: string, labelText: string, bounds: Float64Array, exemplars: boolean) {
    this.metricName = metricName;
    this.labelText = labelText;
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
    this.exemplars = exemplars;
  }

  /** Records one observation. NaN is dropped and counted (OpenMetrics forbids a NaN sum). */
  observe(value: number): void {
    if (typeof value !== 'number' || Number.isNaN(value)) {
      dropInvalid(this.metricName, 'histogram observation must be a number, not NaN', value);
      return;
    }
    const bounds = this.bounds;
    let index = 0;
    while (index < bounds.length && value > (bounds[index] as number)) index++;
    this.counts[index] = (this.counts[index] as number) + 1;
    this.sum += value;
    this.count++;
    if (this.exemplars) {
      const span = activeSampledSpan();
      if (span !== undefined) this.#exemplar(index, span.traceId, span.spanId, value);
    }
  }

  #exemplar(index: number, traceId: string, spanId: string, value: number): void {
    const size = this.counts.length;
    this.exemplarTraceIds ??= new Array<string | undefined>(size).fill(undefined);
    this.exemplarSpanIds ??= new Array<string>(size).fill('');
    this.exemplarValues ??= new Float64Array(size);
    this.exemplarTraceIds[index] = traceId;
    this.exemplarSpanIds[index] = spanId;
    this.exemplarValues[index] = value;
  }
}
