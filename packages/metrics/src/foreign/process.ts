import { diag, isDynotelError, selfMetrics } from '@dynotel/core';
import { dropUnterminatedLine } from './cut.ts';
import { type ExpositionFilter, filterExposition } from './filter.ts';
import { checkInjectedLabels, injectLabelsIntoFamilies } from './inject.ts';
import { DEFAULT_FOREIGN_TEXT_MAX_BYTES, exceedsBytes } from './limits.ts';
import type { ExpositionLabel } from './model.ts';
import { parseExposition } from './parser.ts';
import { serializePrometheusText, toPrometheusFamilies } from './serialize.ts';

export interface ForeignTextOptions extends ExpositionFilter {
  /** Labels added to every sample; a label the sample already has wins. `le`/`quantile` are rejected. */
  readonly injectLabels?: Readonly<Record<string, string>> | undefined;
  /** Names the source in the drop warning (not a metric label, to keep cardinality fixed). */
  readonly source?: string | undefined;
  /**
   * Text longer than this many UTF-8 bytes is dropped before parsing (`too_large`). Default 16 MiB, as the
   * scrape's per-source limit. This function is synchronous: for large bodies return the raw text from an
   * exposition callback instead (`addExpositionCallback(cb, options)`), which the scrape parses in slices.
   */
  readonly maxBytes?: number | undefined;
}

/**
 * Why foreign text was dropped: `too_large` (past `maxBytes`), `invalid_text` (the source does not parse), `invalid_after_filter` (the
 * prefix filter cut a family apart, e.g. a histogram without its `+Inf` bucket), `invalid_labels` (the
 * labels to inject are reserved or malformed), `duplicate_after_inject` (injection made two series equal),
 * `internal` (anything unexpected).
 */
export type ForeignTextDropReason =
  | 'too_large'
  | 'invalid_text'
  | 'invalid_after_filter'
  | 'invalid_labels'
  | 'duplicate_after_inject'
  | 'internal';

export type ForeignTextResult =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly reason: ForeignTextDropReason; readonly message: string };

const foreignTextDropped = selfMetrics.counter(
  'dynotel_metrics_foreign_text_dropped_total',
  'Foreign exposition texts (engine metrics, callbacks) dropped from a scrape because they were invalid, by reason.',
  {
    initial: [
      'too_large',
      'invalid_text',
      'invalid_after_filter',
      'invalid_labels',
      'duplicate_after_inject',
      'internal',
    ].map((reason) => ({ reason })),
  },
);

function drop(reason: ForeignTextDropReason, message: string, source: string | undefined): ForeignTextResult {
  foreignTextDropped.inc({ reason });
  diag.once(`metrics.foreign.${reason}.${source ?? ''}`, {
    level: 'warn',
    target: 'dynotel.metrics',
    message: `foreign metrics text dropped from the scrape (${reason}): ${message}`,
    fields: source === undefined ? { reason } : { reason, source },
  });
  return { ok: false, reason, message };
}

/**
 * One call for engine metrics text: drop a last line without its line feed (taken as cut, counted; see
 * `dropUnterminatedLine`), parse strictly (0.0.4, or OpenMetrics when it ends in `# EOF`), apply
 * Dynamo's include/exclude prefix filter to the canonical 0.0.4 lines, re-check the result, inject labels,
 * and return canonical 0.0.4 text. On any problem the text is dropped alone: the result says why, the drop
 * is counted in `dynotel_metrics_foreign_text_dropped_total{reason}` and warned about once per reason and
 * source. Never throws.
 */
export function processForeignText(text: string, options: ForeignTextOptions = {}): ForeignTextResult {
  const { source } = options;
  try {
    let labels: ExpositionLabel[] = [];
    if (options.injectLabels !== undefined) {
      try {
        labels = checkInjectedLabels(options.injectLabels);
      } catch (error) {
        return drop('invalid_labels', error instanceof Error ? error.message : String(error), source);
      }
    }
    if (typeof text !== 'string')
      return drop('invalid_text', `expected a string, got ${typeof text}`, source);
    const maxBytes = options.maxBytes ?? DEFAULT_FOREIGN_TEXT_MAX_BYTES;
    if (exceedsBytes(text, maxBytes)) {
      return drop('too_large', `the text is longer than ${maxBytes} bytes`, source);
    }
    const parsed = parseExposition(dropUnterminatedLine(text, source));
    if (!parsed.ok) return drop('invalid_text', `line ${parsed.error.line}: ${parsed.error.message}`, source);
    let families = toPrometheusFamilies(parsed.exposition);
    const include = options.includePrefixes ?? [];
    const exclude = options.excludePrefixes ?? [];
    if (include.length > 0 || exclude.length > 0) {
      const filtered = filterExposition(serializePrometheusText(families), {
        includePrefixes: include,
        excludePrefixes: exclude,
      });
      const reparsed = parseExposition(filtered, { format: 'text' });
      if (!reparsed.ok) {
        return drop('invalid_after_filter', `line ${reparsed.error.line}: ${reparsed.error.message}`, source);
      }
      families = [...reparsed.exposition.families];
    }
    try {
      families = injectLabelsIntoFamilies(families, labels);
    } catch (error) {
      if (isDynotelError(error)) return drop('duplicate_after_inject', error.message, source);
      throw error;
    }
    return { ok: true, text: serializePrometheusText(families) };
  } catch (error) {
    return drop('internal', error instanceof Error ? error.message : String(error), source);
  }
}
