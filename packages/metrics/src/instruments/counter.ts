import type { ScalarPoint } from '../model/family.ts';
import { renderSeriesText } from '../util/series-text.ts';
import { activeSampledSpan } from './exemplar.ts';
import { dropInvalid } from './invalid.ts';
import type { Series } from './series-store.ts';

/**
 * One counter series. Our own rather than @prometheus-io/client's Counter: its `labels()` binds a new
 * closure and hashes the label object on every call, which misses the ≤100 ns budget for a cached child.
 */
export class CounterChild implements Series, ScalarPoint {
  /** @internal */
  readonly labelText: string;
  /** @internal */
  readonly metricName: string;
  /** @internal `name{labels}`, rendered once with the series (the encoders write it as is). */
  readonly seriesText: string;
  /** @internal */
  readonly exemplars: boolean;
  /** @internal */
  value = 0;
  /** @internal */
  exemplarTraceId: string | undefined = undefined;
  /** @internal */
  exemplarSpanId = '';
  /** @internal */
  exemplarValue = 0;

  /** @internal */
  constructor(metricName: string, labelText: string, exemplars: boolean) {
    this.metricName = metricName;
    this.labelText = labelText;
    this.seriesText = renderSeriesText(metricName, labelText);
    this.exemplars = exemplars;
  }

  /** Adds `value` (default 1). Negative, NaN and infinite increments are dropped and counted. */
  inc(value = 1): void {
    if (!(value >= 0 && value !== Infinity)) {
      dropInvalid(this.metricName, 'counter increment must be finite and >= 0', value);
      return;
    }
    this.value += value;
    if (this.exemplars) {
      const span = activeSampledSpan();
      if (span !== undefined) {
        this.exemplarTraceId = span.traceId;
        this.exemplarSpanId = span.spanId;
        this.exemplarValue = value;
      }
    }
  }

  get(): number {
    return this.value;
  }
}
