import { DynotelError } from '@dynotel/core';
import type { ExpositionFamily, ExpositionLabel, ExpositionSample } from './model.ts';
import { parseExposition } from './parser.ts';
import { serializePrometheusText, toPrometheusFamilies } from './serialize.ts';
import { seriesKey } from './series-key.ts';
import { isWellFormed, LABEL_NAME } from './syntax.ts';
import { withFinalNewline } from './validate.ts';

/** Label names only histograms (`le`) and summaries (`quantile`) may carry (LabelInjectingCollector L42-52). */
export const RESERVED_INJECTED_LABELS: ReadonlySet<string> = new Set(['le', 'quantile']);

/**
 * Checks labels to inject once, up front: names must be `[a-zA-Z_][a-zA-Z0-9_]*`, not start with `__`,
 * not be `le` or `quantile`; values must be strings without unpaired surrogates. Returns them as a list.
 */
export function checkInjectedLabels(labels: Readonly<Record<string, string>>): ExpositionLabel[] {
  const reserved = Object.keys(labels).filter((name) => RESERVED_INJECTED_LABELS.has(name));
  if (reserved.length > 0) {
    throw new DynotelError(
      'ERR_DYNOTEL_METRICS_RESERVED_LABEL',
      `Cannot inject reserved label names: ${reserved.join(', ')}. Reserved labels: le, quantile.`,
      { details: { labels: reserved } },
    );
  }
  const list: ExpositionLabel[] = [];
  for (const [name, value] of Object.entries(labels)) {
    if (!LABEL_NAME.test(name) || name.startsWith('__')) {
      throw new DynotelError(
        'ERR_DYNOTEL_METRICS_INVALID_LABEL_NAME',
        `label name ${JSON.stringify(name)} is not accepted: a label name matches [a-zA-Z_][a-zA-Z0-9_]* and does not start with '__'`,
        { details: { name } },
      );
    }
    if (typeof value !== 'string' || !isWellFormed(value)) {
      throw new DynotelError(
        'ERR_DYNOTEL_METRICS_INVALID_LABEL_VALUE',
        `value of label '${name}' must be a well-formed string, got ${typeof value === 'string' ? 'a string with an unpaired surrogate' : typeof value}`,
        { details: { name } },
      );
    }
    list.push({ name, value });
  }
  return list;
}

const byName = (a: ExpositionLabel, b: ExpositionLabel): number => {
  // `le` and `quantile` go last, as the Rust and Python encoders print them.
  const ra = RESERVED_INJECTED_LABELS.has(a.name) ? 1 : 0;
  const rb = RESERVED_INJECTED_LABELS.has(b.name) ? 1 : 0;
  if (ra !== rb) return ra - rb;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
};

/**
 * Adds `labels` to every sample of the families. A label the sample already has wins (Python's
 * `{**inject, **sample.labels}`); labels are then printed sorted by name with `le`/`quantile` last, as
 * prometheus_client does. Two series that become identical after injection are an error, because the
 * output would carry a duplicate series.
 */
export function injectLabelsIntoFamilies(
  families: readonly ExpositionFamily[],
  labels: readonly ExpositionLabel[],
): ExpositionFamily[] {
  if (labels.length === 0) return [...families];
  const keys = new Set<string>();
  return families.map((family) => ({
    ...family,
    samples: family.samples.map((sample): ExpositionSample => {
      const merged = [...sample.labels];
      for (const label of labels) {
        if (!sample.labels.some((existing) => existing.name === label.name)) merged.push(label);
      }
      merged.sort(byName);
      const key = seriesKey(sample.name, merged);
      if (keys.has(key)) {
        throw new DynotelError(
          'ERR_DYNOTEL_METRICS_EXPOSITION_INVALID',
          `injecting labels makes two series of '${sample.name}' identical`,
          { details: { sample: sample.name } },
        );
      }
      keys.add(key);
      return { ...sample, labels: merged };
    }),
  }));
}

/**
 * Parses `text` strictly, adds `labels` to every sample (existing labels win) and returns canonical
 * Prometheus text 0.0.4. An empty `labels` object returns `text` unchanged. Throws a DynotelError for
 * `le`/`quantile` (ERR_DYNOTEL_METRICS_RESERVED_LABEL), a bad label name or value
 * (ERR_DYNOTEL_METRICS_INVALID_LABEL_NAME / _VALUE) and text that does not parse (ERR_DYNOTEL_METRICS_EXPOSITION_INVALID).
 */
export function injectLabels(text: string, labels: Readonly<Record<string, string>>): string {
  const list = checkInjectedLabels(labels);
  if (list.length === 0) return text;
  const parsed = parseExposition(withFinalNewline(text));
  if (!parsed.ok) {
    throw new DynotelError(
      'ERR_DYNOTEL_METRICS_EXPOSITION_INVALID',
      `exposition text is invalid at line ${parsed.error.line}: ${parsed.error.message}`,
      { details: { line: parsed.error.line } },
    );
  }
  return serializePrometheusText(injectLabelsIntoFamilies(toPrometheusFamilies(parsed.exposition), list));
}
