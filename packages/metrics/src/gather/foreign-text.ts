import { diag, isDynotelError } from '@dynotel/core';
import { dropUnterminatedLine } from '../foreign/cut.ts';
import { checkInjectedLabels } from '../foreign/inject.ts';
import { exceedsBytes } from '../foreign/limits.ts';
import type { ExpositionLabel } from '../foreign/model.ts';
import { parseExpositionStreaming } from '../foreign/parser.ts';
import { counterBaseName, type Family } from '../model/family.ts';
import { expositionTextDropped } from '../self-metrics.ts';
import type { TimeSlicer } from '../util/time-slice.ts';
import { FamilyConverter, ForeignConversionError } from './foreign-families.ts';
import type { ExpositionSourceOptions } from './source.ts';

export type ExpositionTextDropReason =
  | 'not_a_string'
  | 'too_large'
  | 'invalid_labels'
  | 'invalid_text'
  | 'duplicate_after_inject';

/**
 * One exposition callback's text → model families, or nothing (dropped whole, counted in
 * `dynotel_metrics_exposition_text_dropped_total{reason}`, warned about once per reason and source):
 *
 * 1. Past `maxBytes` (UTF-8) the text is refused before any parsing (`too_large`).
 * 2. A last line without its line feed is taken as cut — the source may have been interrupted while
 *    writing `eng 123` — and dropped on its own, counted in `dynotel_metrics_foreign_lines_dropped_total`
 *    (Dynamo appends a line feed and ingests it). OpenMetrics text may end in `# EOF` without one.
 * 3. The strict parser reads it (0.0.4, or OpenMetrics when it ends in `# EOF`), then it is converted into
 *    the model with labels injected, prefix filters and renames applied. Both steps are sliced with
 *    `slicer`, so a large body never blocks the event loop for more than a slice.
 */
export async function readForeignText(
  value: unknown,
  options: ExpositionSourceOptions,
  defaultMaxBytes: number,
  slicer: TimeSlicer,
): Promise<Family[]> {
  const source = options.source;
  if (value === undefined || value === '') return [];
  if (typeof value !== 'string')
    return drop('not_a_string', `the callback returned a ${typeof value}, not a string`, source);
  const maxBytes = options.maxBytes ?? defaultMaxBytes;
  if (exceedsBytes(value, maxBytes)) {
    return drop('too_large', `the text is longer than ${maxBytes} bytes`, source);
  }
  const text = dropUnterminatedLine(value, source);
  if (text.length === 0) return [];
  let inject: ExpositionLabel[] = [];
  if (options.injectLabels !== undefined) {
    try {
      inject = checkInjectedLabels(options.injectLabels);
    } catch (error) {
      if (isDynotelError(error)) return drop('invalid_labels', error.message, source);
      throw error;
    }
  }
  const families: Family[] = [];
  const conversion = {
    injectLabels: inject,
    includePrefixes: options.includePrefixes,
    excludePrefixes: options.excludePrefixes,
    rename: options.rename,
  };
  try {
    // Families are contiguous (the parser rejects interleaving): one converter at a time.
    let converter: FamilyConverter | undefined;
    const parsed = await parseExpositionStreaming(text, {}, slicer, async (family, format, final) => {
      converter ??= new FamilyConverter(format, family, conversion);
      await converter.add(family.samples, slicer.pace);
      if (final) {
        families.push(...converter.finish());
        converter = undefined;
      }
    });
    if (!parsed.ok) return drop('invalid_text', `line ${parsed.error.line}: ${parsed.error.message}`, source);
  } catch (error) {
    if (error instanceof ForeignConversionError && error.reason === 'duplicate_after_inject') {
      return drop(error.reason, error.message, source);
    }
    throw error;
  }
  return withoutCreatedGauges(families);
}

/**
 * prometheus_client writes a counter's, histogram's and summary's creation time in 0.0.4 as a gauge
 * `<name>_created` beside it (vLLM's text has one per counter). That name belongs to the family in
 * OpenMetrics, and our families carry no `_created` series, so such a gauge from the same text is left
 * out by design, like OpenMetrics `_created` samples — silently: it is not a clash to count.
 */
function withoutCreatedGauges(families: Family[]): Family[] {
  const created = new Set<string>();
  for (const family of families) {
    if (family.type === 'counter') created.add(`${counterBaseName(family.name)}_created`);
    else if (family.type === 'histogram' || family.type === 'summary') created.add(`${family.name}_created`);
  }
  if (created.size === 0) return families;
  return families.filter(
    (family) => !((family.type === 'gauge' || family.type === 'untyped') && created.has(family.name)),
  );
}

function drop(reason: ExpositionTextDropReason, message: string, source: string | undefined): Family[] {
  expositionTextDropped.inc({ reason });
  diag.once(`dynotel.metrics.exposition.${reason}.${source ?? ''}`, {
    level: 'warn',
    target: 'dynotel.metrics',
    message: `exposition callback text dropped from the scrape (${reason}): ${message}`,
    fields: source === undefined ? { reason } : { reason, source },
  });
  return [];
}
