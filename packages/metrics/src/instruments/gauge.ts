import type { ScalarPoint } from '../model/family.ts';
import { renderSeriesText } from '../util/series-text.ts';
import { dropInvalid } from './invalid.ts';
import type { Series } from './series-store.ts';

/** One gauge series. Any number is a legal gauge value, NaN and ±Inf included (they are encoded exactly). */
export class GaugeChild implements Series, ScalarPoint {
  /** @internal */
  readonly labelText: string;
  /** @internal */
  readonly metricName: string;
  /** @internal `name{labels}`, rendered once with the series (the encoders write it as is). */
  readonly seriesText: string;
  /** @internal */
  value = 0;

  /** @internal */
  constructor(metricName: string, labelText: string) {
    this.metricName = metricName;
    this.labelText = labelText;
    this.seriesText = renderSeriesText(metricName, labelText);
  }

  set(value: number): void {
    if (typeof value === 'number') this.value = value;
    else dropInvalid(this.metricName, 'gauge value must be a number', value);
  }

  inc(value = 1): void {
    if (typeof value === 'number') this.value += value;
    else dropInvalid(this.metricName, 'gauge value must be a number', value);
  }

  dec(value = 1): void {
    if (typeof value === 'number') this.value -= value;
    else dropInvalid(this.metricName, 'gauge value must be a number', value);
  }

  get(): number {
    return this.value;
  }
}
