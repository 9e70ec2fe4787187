import { diag } from '@dynotel/core';
import { invalidValuesDropped } from '../self-metrics.ts';

/**
 * A bad value on the record path is dropped, counted and reported once per metric and reason: recording
 * telemetry must never throw into a request handler (prom-client throws a TypeError on `inc(NaN)`).
 */
export function dropInvalid(metric: string, reason: string, value: unknown): void {
  invalidValuesDropped.inc({ reason });
  diag.once(`dynotel.metrics.invalid.${metric}.${reason}`, {
    level: 'warn',
    target: 'dynotel.metrics',
    message: `dropped an invalid value: ${reason}`,
    fields: { metric, value: String(value) },
  });
}
