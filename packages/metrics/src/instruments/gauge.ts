import { dropInvalid } from './invalid.ts';
import type { Series } from './series-store.ts';

/** One gauge series. Any number is a legal gauge value, NaN and ±Inf included (they are encoded exactly). */
export class GaugeChild implements Series {
  readonly labelText: string;
  readonly metricName: string;
  value = 0;

  constructor(metricName: string, labelText: string) {
    this.metricName = metricName;
    this.labelText = labelText;
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
