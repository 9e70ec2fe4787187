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

/**
 * Go's `strconv.FormatFloat(v, 'g', -1, 64)`: the shortest round-trip digits, in exponent form when the
 * decimal exponent is below -4 or at least 6, with at least two exponent digits (`1e-09`, `1e+06`,
 * `1.5e-05`, `123456`, `0.0001`).
 */
export function formatGoFloat(value: number): string {
  if (!Number.isFinite(value)) return formatValue(value);
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const exponential = value.toExponential(); // shortest digits: "-1.5e-7"
  const e = exponential.indexOf('e');
  const exponent = Number(exponential.slice(e + 1));
  if (exponent < -4 || exponent >= 6) {
    const digits = Math.abs(exponent) < 10 ? `0${Math.abs(exponent)}` : `${Math.abs(exponent)}`;
    return `${exponential.slice(0, e)}e${exponent < 0 ? '-' : '+'}${digits}`;
  }
  return `${value}`;
}

/**
 * A number in OpenMetrics' canonical form, for `le` and `quantile` (OpenMetrics 1.0 "Canonical numbers"):
 * Go's shortest form, with `.0` added to a plain integer (`1.0`, `0.005`, `1e-09`, `1e+06`, `+Inf`).
 */
export function formatOpenMetricsNumber(value: number): string {
  const text = formatGoFloat(value);
  if (!Number.isFinite(value)) return text;
  return /[.e]/.test(text) ? text : `${text}.0`;
}
