/**
 * Dynamo's name sanitisers (`lib/runtime/src/metrics/prometheus_names.rs` L693-796), ported rule for rule,
 * including the quirk that a leading colon is rejected for metric names. They return `undefined` where the
 * Rust code returns an error; callers turn that into a DynotelError.
 */
import { sanitizeMetricName } from '@dynotel/core';

const NOT_LABEL_CHAR = /[^a-zA-Z0-9_]/g;
const LABEL_FIRST = /^[a-zA-Z_]/;
const ONLY_UNDERSCORES = /^_*$/;

/** `sanitize_prometheus_name` (prometheus_names.rs L693-731), shared with the config table: see @dynotel/core. */
export { sanitizeMetricName };

/** `sanitize_prometheus_label`: `test:label`→`test_label`, `__test`→`test`, `:test`→`_test`; `____` fails. */
export function sanitizeLabelName(raw: string): string | undefined {
  if (raw.length === 0) return undefined;
  let name = raw.replace(NOT_LABEL_CHAR, '_');
  if (!LABEL_FIRST.test(name)) name = `_${name}`;
  if (name.startsWith('__')) {
    name = name.slice(2);
    if (name.length === 0 || !/^[a-zA-Z]/.test(name)) name = `_${name}`;
  }
  return ONLY_UNDERSCORES.test(name) ? undefined : name;
}

/** The prefix Dynamo puts on every metric created through the hierarchy, whatever the level. */
export const COMPONENT_METRIC_PREFIX = 'dynamo_component';

/** `build_component_metric_name`: `123metric`→`dynamo_component__123metric`. */
export function buildComponentMetricName(raw: string): string | undefined {
  const sanitised = sanitizeMetricName(raw);
  return sanitised === undefined ? undefined : `${COMPONENT_METRIC_PREFIX}_${sanitised}`;
}
