import { openMetricsContentType, prometheusContentType } from '../prometheus-client.ts';

export type ExpositionFormat = 'text' | 'openmetrics';

/** `text/plain; version=0.0.4; charset=utf-8`, taken from @prometheus-io/client. */
export const PROMETHEUS_TEXT_CONTENT_TYPE: string = prometheusContentType;
/** `application/openmetrics-text; version=1.0.0; charset=utf-8`. */
export const OPENMETRICS_CONTENT_TYPE: string = openMetricsContentType;

export function contentTypeOf(format: ExpositionFormat): string {
  return format === 'openmetrics' ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_TEXT_CONTENT_TYPE;
}

/**
 * Picks the format from an Accept header (content_negotiation.md 92-118): the highest-weighted media range
 * we can serve wins, and anything missing, malformed or unsupported falls back to text 0.0.4. We serve
 * OpenMetrics 1.0.0 only, so a range asking for another OM version (Prometheus also offers 0.0.1) does
 * not select it. On equal weight OpenMetrics wins, as Prometheus lists it first.
 */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (accept === undefined || accept.length === 0 || accept.length > 4096) return 'text';
  let best: ExpositionFormat = 'text';
  let bestQ = -1;
  for (const range of accept.split(',')) {
    const parts = range.split(';');
    const mediaType = parts[0]?.trim().toLowerCase() ?? '';
    let q = 1;
    let version: string | undefined;
    for (let i = 1; i < parts.length; i++) {
      const param = parts[i] ?? '';
      const eq = param.indexOf('=');
      if (eq < 0) continue;
      const key = param.slice(0, eq).trim().toLowerCase();
      const value = param
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1');
      if (key === 'q') {
        const parsed = Number(value);
        q = Number.isFinite(parsed) && parsed >= 0 && parsed <= 1 ? parsed : 0;
      } else if (key === 'version') version = value;
    }
    if (q === 0) continue;
    let format: ExpositionFormat | undefined;
    if (mediaType === 'application/openmetrics-text') {
      if (version === undefined || version === '1.0.0') format = 'openmetrics';
    } else if (mediaType === 'text/plain' || mediaType === 'text/*' || mediaType === '*/*') {
      format = 'text';
    }
    if (format === undefined) continue;
    if (q > bestQ || (q === bestQ && format === 'openmetrics')) {
      best = format;
      bestQ = q;
    }
  }
  return best;
}
