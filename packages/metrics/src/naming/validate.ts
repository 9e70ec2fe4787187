import { validateMetricName } from '../prometheus-client.ts';

// The legacy character sets (standards §1.1). Metric names come from @prometheus-io/client's own
// validator so the two stay in agreement; it has no exported label-name check, hence our regex.
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function isValidMetricName(name: string): boolean {
  return validateMetricName(name);
}

/** Legal and not reserved: names starting with `__` belong to Prometheus itself. */
export function isValidLabelName(name: string): boolean {
  return LABEL_NAME.test(name) && !name.startsWith('__');
}
