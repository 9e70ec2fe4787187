import type { ExpositionFormat } from '../format/content-type.ts';
import { FOREIGN_CHECK_EVERY, FOREIGN_SLICE_MS, TimeSlicer } from '../util/time-slice.ts';
import { runCallbacks } from './callbacks.ts';
import { readForeignText } from './foreign-text.ts';
import { FamilyMerger, type MergedFamily } from './merge.ts';
import { ownFamily } from './own.ts';
import { selfMetricFamilies } from './self.ts';
import type { RootSettings, ScrapeTarget } from './source.ts';

/**
 * Step 1 and 2 of a scrape (reference §2.4): run the update callbacks of every level (pre-order), then the
 * exposition callbacks; gather every source into model families and merge them once, in precedence order
 * (see FamilyMerger): own metrics, the self-metrics (root scrape only), callback text. The self-metrics are
 * read again at the end, so they include what this scrape dropped. Callback text whose family names are
 * new is rendered in `format` while it is read (see `RenderedFamily`): pass the format the scrape is
 * encoded in.
 */
export async function gatherFamilies(
  levels: readonly ScrapeTarget[],
  settings: RootSettings,
  includeSelfMetrics: boolean,
  format: ExpositionFormat,
): Promise<MergedFamily[]> {
  await runCallbacks(
    'update',
    levels.flatMap((level) => level.updateCallbacks()),
    settings.callbackTimeoutMs,
  );
  const sources = levels.flatMap((level) => level.expositionSources());
  const texts = await runCallbacks(
    'exposition',
    sources.map((source) => source.read),
    settings.callbackTimeoutMs,
  );
  const merger = new FamilyMerger();
  for (const level of levels) for (const metric of level.metrics()) merger.add(ownFamily(metric), 'own');
  if (includeSelfMetrics) for (const family of selfMetricFamilies()) merger.add(family, 'self');
  const slicer = new TimeSlicer(FOREIGN_SLICE_MS, FOREIGN_CHECK_EVERY);
  const output = { format, claimed: (name: string) => merger.has(name) };
  for (const [index, source] of sources.entries()) {
    const families = await readForeignText(
      texts[index],
      source.options,
      settings.foreignTextMaxBytes,
      slicer,
      output,
    );
    // Only a repeated name costs anything here (see FamilyMerger.addForeign).
    for (const family of families) await merger.addForeign(family);
    // The text is not needed any more: let a large body go before the encoder runs.
    texts[index] = undefined;
  }
  if (includeSelfMetrics) for (const family of selfMetricFamilies()) merger.refresh(family, 'self');
  return merger.families();
}
