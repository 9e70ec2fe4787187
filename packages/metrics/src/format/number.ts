/**
 * Sample values: `NaN`, `+Inf`, `-Inf` exactly (prom-client writes `Nan`), integers without a decimal
 * point as the Rust encoder does (`42`, `50000`).
 */
export function formatValue(value: number): string {
  if (Number.isFinite(value)) return `${value}`;
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? '+Inf' : '-Inf';
}

/** `le` in text 0.0.4: as the Rust encoder prints it (`0.005`, `1`, `+Inf`). */
export function formatLeText(bound: number): string {
  return formatValue(bound);
}

/** `le` in OpenMetrics: canonical float, an integer gets `.0` (`1.0`), `+Inf` stays (OM 437-455). */
export function formatLeOpenMetrics(bound: number): string {
  const text = formatValue(bound);
  if (text === '+Inf' || text === '-Inf' || text === 'NaN') return text;
  return /[.e]/.test(text) ? text : `${text}.0`;
}
