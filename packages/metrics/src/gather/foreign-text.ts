import { diag, isDynotelError } from '@dynotel/core';
import { dropUnterminatedLine } from '../foreign/cut.ts';
import { checkInjectedLabels } from '../foreign/inject.ts';
import { exceedsBytes } from '../foreign/limits.ts';
import type { ExpositionLabel } from '../foreign/model.ts';
import { parseExpositionStreaming } from '../foreign/parser.ts';
import type { ExpositionFormat as OutputFormat } from '../format/content-type.ts';
import { counterBaseName, type Family, type ForeignFamily, isRendered } from '../model/family.ts';
import { expositionTextDropped } from '../self-metrics.ts';
import type { TimeSlicer } from '../util/time-slice.ts';
import {
  FamilyConverter,
  ForeignConversionError,
  type ForeignFamilyOptions,
  type RederivedMeta,
  type RenderTarget,
} from './foreign-families.ts';
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
 * 4. With `output`, every family whose name is not `claimed` yet is written in the output format while it
 *    is read and kept only as text (`RenderedFamily`), so a large body's series do not pile up as objects
 *    that the garbage collector has to copy and mark until the scrape ends.
 */
export async function readForeignText(
  value: unknown,
  options: ExpositionSourceOptions,
  defaultMaxBytes: number,
  slicer: TimeSlicer,
  output?: { readonly format: OutputFormat; readonly claimed: (name: string) => boolean },
): Promise<ForeignFamily[]> {
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
  const families: ForeignFamily[] = [];
  const conversion = {
    injectLabels: inject,
    includePrefixes: options.includePrefixes,
    excludePrefixes: options.excludePrefixes,
    rename: options.rename,
  };
  // A name produced twice by this text (renames) must be merged series by series too.
  const produced = new Set<string>();
  const render: RenderTarget | undefined =
    output === undefined
      ? undefined
      : {
          format: output.format,
          claimed: (name) => produced.has(name) || output.claimed(name),
          rederive: (family) => () => rederiveFamily(text, conversion, slicer, family),
        };
  try {
    // Families are contiguous (the parser rejects interleaving): one converter at a time.
    let converter: FamilyConverter | undefined;
    const parsed = await parseExpositionStreaming(text, {}, slicer, async (family, format, final) => {
      if (converter === undefined) {
        converter = new FamilyConverter(format, family, conversion, render);
        for (const name of converter.names()) produced.add(name);
      }
      await converter.add(family.samples, slicer.pace);
      if (final) {
        families.push(...(await converter.finish(slicer.pace)));
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
 * Reads a family of a text that was read (and rendered) before again, as points: the same parse and
 * conversion, restricted to that family, so the result is what it would have been without rendering. The
 * text parsed and converted the first time, so it does again; were the family not found, it would stay
 * without series rather than fail the scrape.
 */
async function rederiveFamily(
  text: string,
  conversion: ForeignFamilyOptions,
  slicer: TimeSlicer,
  family: RederivedMeta,
): Promise<Family> {
  const only = { ...conversion, onlyName: family.name };
  let converter: FamilyConverter | undefined;
  let found: Family | undefined;
  // Read to the end (the rare merge that needs this may wait): families after the one sought are parsed
  // but not converted.
  await parseExpositionStreaming(text, {}, slicer, async (read, format, final) => {
    if (found !== undefined) return;
    converter ??= new FamilyConverter(format, read, only);
    await converter.add(read.samples, slicer.pace);
    if (!final) return;
    const [converted] = await converter.finish(slicer.pace);
    converter = undefined;
    if (converted !== undefined && !isRendered(converted)) found = converted;
  });
  return found ?? ({ ...family, points: [] } as Family);
}

/**
 * prometheus_client writes a counter's, histogram's and summary's creation time in 0.0.4 as a gauge
 * `<name>_created` beside it (vLLM's text has one per counter). That name belongs to the family in
 * OpenMetrics, and our families carry no `_created` series, so such a gauge from the same text is left
 * out by design, like OpenMetrics `_created` samples — silently: it is not a clash to count.
 */
function withoutCreatedGauges(families: ForeignFamily[]): ForeignFamily[] {
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

function drop(
  reason: ExpositionTextDropReason,
  message: string,
  source: string | undefined,
): ForeignFamily[] {
  expositionTextDropped.inc({ reason });
  diag.once(`dynotel.metrics.exposition.${reason}.${source ?? ''}`, {
    level: 'warn',
    target: 'dynotel.metrics',
    message: `exposition callback text dropped from the scrape (${reason}): ${message}`,
    fields: source === undefined ? { reason } : { reason, source },
  });
  return [];
}
